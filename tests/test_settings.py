"""Every setting is read in one place (pipelines/settings.py), is in the README's table, and reaches a
Dagster run as the `settings` resource, read from the environment when the run starts."""

import re
from pathlib import Path

import dagster as dg
import pytest

from pipelines.settings import REPO, Settings, SettingsError

# Read where they act, not settings (README, Settings: "Test hooks only").
TEST_HOOKS = {"REVIEW_FAULT_PAUSE_AT", "REVIEW_FAULT_MARKER", "REVIEW_FAULT_PAUSE_SECONDS", "REVIEW_PERSON_ID_BITS"}
ENV_READ = re.compile(
    r"""(?:os\.environ(?:\.get)?[\[(]|os\.getenv\(|_path\(|_env\(|_number\(|beside\()\s*["'](REVIEW_[A-Z_]+)"""
)


def environment_reads(root: Path) -> dict[str, set[str]]:
    """{module: the REVIEW_* variables it reads from the environment} for every module under root/pipelines."""
    out = {}
    for p in sorted((root / "pipelines").rglob("*.py")):
        found = set(ENV_READ.findall(p.read_text(encoding="utf-8"))) - TEST_HOOKS
        if found:
            out[str(p.relative_to(root))] = found
    return out


def test_only_settings_py_reads_review_variables():
    reads = environment_reads(REPO)
    assert set(reads) == {"pipelines/settings.py"}, reads


def test_every_setting_is_in_the_readme_table():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Settings", 1)[1].split("\n\n", 2)[1]
    listed = set(re.findall(r"^\| `(REVIEW_[A-Z_]+)` \|", table, flags=re.M))
    read = environment_reads(REPO)["pipelines/settings.py"]
    assert read == listed
    assert len(read) == 23  # worked out by hand: the README's table has 23 REVIEW_* rows (and DAGSTER_HOME)


def test_unset_settings_take_their_defaults_beside_the_warehouse(monkeypatch, tmp_path):
    for var in environment_reads(REPO)["pipelines/settings.py"]:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("REVIEW_WAREHOUSE", str(tmp_path / "wh" / "review.duckdb"))
    s = Settings.from_env()
    assert (s.editions_dir, s.pack_dir, s.log_dir) == (
        tmp_path / "editions",
        tmp_path / "review_pack",
        tmp_path / "logs",
    )
    assert s.acknowledgements == tmp_path / "acknowledgements.csv"
    assert (s.disclosure_k, s.shrink_limit_pct, s.allow_shrink, s.always_rebuild) == (5, 20.0, False, False)
    assert (s.storage_version, s.lock_wait_seconds, s.duckdb_memory_limit) == ("v1.5.0", 1800.0, "1000MB")
    assert s.raw_dir == REPO / "data" / "raw"


@pytest.mark.parametrize(
    "var, value",
    [
        ("REVIEW_SHRINK_LIMIT_PCT", "120"),
        ("REVIEW_SHRINK_LIMIT_PCT", "a lot"),
        ("REVIEW_DUCKDB_STORAGE_VERSION", "1.5"),
        ("REVIEW_DISCLOSURE_K", "1"),
        ("REVIEW_LOCK_WAIT_SECONDS", "soon"),
        ("REVIEW_INGEST_WORKERS", "two"),
        ("REVIEW_DBT_TARGET", "oracle"),
    ],
)
def test_a_wrong_value_is_refused_naming_its_variable(monkeypatch, var, value):
    monkeypatch.setenv(var, value)
    with pytest.raises(SettingsError, match=var):
        Settings.from_env()


def test_the_settings_resource_is_read_when_each_run_starts_and_shared_with_the_lock(monkeypatch, tmp_path):
    """Two runs of the same definitions in one process (as tests/support/runs.py does): each run sees the
    environment as it is when it starts, and the writer lock holds the very settings the assets get."""
    from pipelines.definitions import run_resources
    from pipelines.operations import WriterLock

    seen = []

    @dg.asset
    def probe(settings: dg.ResourceParam[Settings], writer_lock: WriterLock) -> None:
        seen.append((settings.shrink_limit_pct, settings.warehouse, writer_lock.settings is settings))

    resources = run_resources("duckdb")
    for n, limit in enumerate(("5", "7")):
        monkeypatch.setenv("REVIEW_SHRINK_LIMIT_PCT", limit)
        monkeypatch.setenv("REVIEW_WAREHOUSE", str(tmp_path / str(n) / "review.duckdb"))
        monkeypatch.setenv("REVIEW_LAKE_DIR", str(tmp_path / str(n) / "lake"))
        assert dg.materialize([probe], resources=resources, instance=dg.DagsterInstance.ephemeral()).success
    assert seen == [
        (5.0, tmp_path / "0" / "review.duckdb", True),
        (7.0, tmp_path / "1" / "review.duckdb", True),
    ]
