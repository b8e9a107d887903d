"""Editions: the figures put before the Council, frozen.

`publish_edition(name)` reads the published warehouse (read-only), applies disclosure control, and writes
an immutable copy under $REVIEW_EDITIONS_DIR/<name>/:

    values.parquet              every published number in long form (table, indicator, period, dimension,
                                value, measure) with its SDMX flags: what marts.edition_values reads
    fct_indicator_*.parquet,    the controlled marts as published, dim_indicator, dim_strategy_point,
    rpt_reconciliation.parquet  the reconciliation (no verdict on a suppressed number)
    quality_*.parquet           the data-quality summaries of the pack (counts of rows and files)
    sources.parquet             the source files of the build: name, status, SHA-256, row counts
    plausibility_flags.parquet, the plausibility flags and acknowledgements it was published with
    acknowledgements.parquet    (pipelines/publication/plausibility.py)
    meta.parquet                one row: name, time, code version, rule version, k
    manifest.json               the same, plus the SHA-256 of every file above

The edition is written to a temporary folder (`.tmp-<name>-<pid>/`) and renamed into place; an existing
edition is never overwritten; its files are made read-only. `verify_edition` re-hashes the files against
the manifest. Publishes hold an exclusive lock on `<editions>/.publish.lock`, so two publishes of the same
name run one after the other: the second finds the edition and is refused with one line. A temporary
folder left by a killed publish is removed by the next publish or refresh.

A refresh never reads the editions folder itself: `ensure_editions_dir` re-verifies every edition and
links the files of those whose manifest verifies into `<warehouse>.editions/`, the folder dbt reads
(marts.edition_values, marts.rpt_restatement; `dbt_env` is what the dbt process is told: that folder and
the rule and code versions; in Dagster the dbt source `editions`, asset `editions`). Temporary folders, folders without a manifest and
editions whose files no longer match it are not read (the last ones are named in a warning).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

import polars as pl

from pipelines.publication import plausibility
from pipelines.publication.provenance import freeze_provenance, write_placeholders
from pipelines.publication.published import LONG_SCHEMA, Publication, load_current, long_values, suppression_summary
from pipelines.settings import REPO, Settings

PLACEHOLDER = "_placeholder"  # a 0-row edition so that marts.edition_values builds when there is none
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
VALUES_SCHEMA = {"edition": pl.String, "published_at": pl.String, **LONG_SCHEMA}
SOURCES_SCHEMA = {
    "edition": pl.String,
    "kind": pl.String,
    "file_name": pl.String,
    "status": pl.String,
    "sha256": pl.String,
    "rows_valid": pl.Int64,
    "rows_rejected": pl.Int64,
}
META_SCHEMA = {
    "edition": pl.String,
    "published_at": pl.String,
    "code_version": pl.String,
    "rule_version": pl.String,
    "k": pl.Int64,
    "built_at": pl.String,
}
FRAMES = (
    "fct_indicator_values",
    "fct_indicator_window",
    "fct_indicator_breakdown",
    "dim_indicator",
    "dim_strategy_point",
    "rpt_reconciliation",
    "source_files",
    "quality_rejected_by_reason",
    "quality_rejected_files",
    "quality_held_rows",
    "quality_completeness",
)


class EditionError(RuntimeError):
    pass


def rule_version() -> str:
    """A digest of what decides the figures: every dbt model and the indicator catalogue."""
    h = hashlib.sha256()
    files = sorted((REPO / "dbt_project" / "models").rglob("*")) + [
        REPO / "dbt_project" / "seeds" / "indicator_catalogue.csv"
    ]
    for p in files:
        if p.is_file():
            h.update(str(p.relative_to(REPO)).encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def macros_digest() -> str:
    """A digest of every dbt macro file: part of each indicator's rule version (int_provenance_rule_versions),
    since dbt's graph offers the models' checksums but no macro text."""
    h = hashlib.sha256()
    for p in sorted((REPO / "dbt_project" / "macros").rglob("*.sql")):
        h.update(str(p.relative_to(REPO)).encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def code_version() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return out.stdout.strip() if out.returncode == 0 and out.stdout.strip() else "unknown"


def _write_empty(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, schema in (("values", VALUES_SCHEMA), ("sources", SOURCES_SCHEMA), ("meta", META_SCHEMA)):
        target = folder / f"{name}.parquet"
        if not target.exists():
            tmp = folder / f".{name}.{os.getpid()}.parquet"
            pl.DataFrame(schema=schema).write_parquet(tmp)
            os.replace(tmp, target)
    write_placeholders(folder)  # provenance.parquet, rule_versions.parquet (pipelines/publication/provenance.py)


LOCK_NAME = ".publish.lock"
TMP_PREFIX = ".tmp-"


@contextlib.contextmanager
def _publish_lock(root: Path, wait: bool = True):
    """Exclusive lock on the editions folder while an edition is written. Yields False (and holds
    nothing) when `wait` is False and another publish holds it."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / LOCK_NAME, "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def remove_stale_temp_folders(root: Path) -> list[str]:
    """Remove the temporary folders of publishes that died (call with the publish lock held: a live
    publish holds it while its temporary folder exists). Returns their names."""
    removed = []
    if root.is_dir():
        for p in sorted(root.iterdir()):
            if p.name.startswith(TMP_PREFIX) and p.is_dir() and not p.is_symlink():
                _remove(p)
                removed.append(p.name)
    return removed


def read_view_dir(settings: Settings) -> Path:
    """The folder a refresh's dbt build reads editions from: the verified editions, linked."""
    return settings.warehouse.with_name(settings.warehouse.name + ".editions")


def _link_or_copy(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:  # another file system, or links not allowed: a copy (editions are small)
        shutil.copyfile(src, dst)


def ensure_editions_dir(settings: Settings) -> tuple[Path, list[str]]:
    """Before dbt runs: make the folder dbt reads editions from (read_view_dir) hold exactly the editions
    whose manifest verifies, plus a 0-row placeholder (so the globs of marts.edition_values always match).
    Removes temporary folders of killed publishes when no publish is running. Returns (that folder,
    warnings about editions left out); `dbt_env(folder)` is what the dbt process is told about it."""
    root = settings.editions_dir
    _write_empty(root / PLACEHOLDER)
    with _publish_lock(root, wait=False) as locked:
        if locked:
            remove_stale_temp_folders(root)
    view = read_view_dir(settings)
    shutil.rmtree(view, ignore_errors=True)
    view.mkdir(parents=True)
    _write_empty(view / PLACEHOLDER)
    warnings = []
    for name in list_editions(settings):
        try:
            problems = verify_edition(name, settings)
        except (OSError, ValueError, KeyError) as e:
            problems = [f"manifest.json unreadable ({type(e).__name__})"]
        if problems:
            warnings.append(
                f"edition {name!r} is not read: its files do not match its manifest ({'; '.join(problems)[:300]})"
            )
            continue
        (view / name).mkdir()
        for f in manifest(name, settings)["files"]:
            _link_or_copy(root / name / f, view / name / f)
    return view, warnings


def dbt_env(view: Path) -> dict[str, str]:
    """What the dbt process reads about the editions (marts.edition_values, edition_provenance and
    rpt_restatement): the folder of the verified editions, and the rule and code versions of this build."""
    return {
        "REVIEW_EDITIONS_DIR": str(view),
        "REVIEW_RULE_VERSION": rule_version(),
        "REVIEW_MACROS_DIGEST": macros_digest(),
        "REVIEW_CODE_VERSION": code_version(),
    }


def _settings(settings: Settings | None) -> Settings:
    """The settings given (a Dagster run's), else the environment's (the command-line tools)."""
    return settings or Settings.from_env()


def list_editions(settings: Settings | None = None) -> list[str]:
    """The published editions: folders with a valid edition name and a manifest (never a temporary
    folder of a publish in progress or killed)."""
    root = _settings(settings).editions_dir
    if not root.is_dir():
        return []
    return sorted(
        p.name
        for p in root.iterdir()
        if NAME.match(p.name) and p.is_dir() and not p.is_symlink() and (p / "manifest.json").exists()
    )


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def publish_edition(
    name: str, warehouse: Path | None = None, k: int | None = None, settings: Settings | None = None
) -> Path:
    """Freeze the current warehouse as edition `name`. Refuses to touch an existing edition."""
    if not NAME.match(name or ""):
        raise EditionError(f"edition name {name!r}: use letters, digits, '.', '_' or '-' (not first), at most 64")
    settings = _settings(settings)
    root = settings.editions_dir
    target = root / name
    if target.exists():
        raise EditionError(f"edition {name!r} already exists at {target}: editions are immutable; choose a new name")
    warehouse = warehouse or settings.warehouse
    if not warehouse.exists():
        raise EditionError(f"no published warehouse at {warehouse}: run a refresh first")
    refusal = plausibility.edition_refusal(
        warehouse, settings.acknowledgements
    )  # an unacknowledged high flag on a published figure
    if refusal:
        raise EditionError(refusal)
    k = k if k is not None else settings.disclosure_k
    pub = load_current(warehouse, k)
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    meta = {
        "edition": name,
        "published_at": now,
        "code_version": code_version(),
        "rule_version": rule_version(),
        "k": k,
        "built_at": pub.created_at,
    }

    with _publish_lock(root):
        # Under the lock: no other publish is writing, so every temporary folder is a dead one's.
        remove_stale_temp_folders(root)
        if target.exists():  # published by another process while this one waited for the lock
            raise EditionError(
                f"edition {name!r} already exists at {target} (published meanwhile by another "
                "process): editions are immutable; choose a new name"
            )
        _write_edition(pub, warehouse, name, target, meta, k, settings.acknowledgements)
    return target


def _write_edition(
    pub: Publication, warehouse: Path, name: str, target: Path, meta: dict, k: int, acknowledgements: Path
) -> None:
    now = meta["published_at"]
    tmp = target.parent / f"{TMP_PREFIX}{name}-{os.getpid()}"
    _remove(tmp)
    tmp.mkdir()
    try:
        for frame in FRAMES:
            pub[frame].write_parquet(tmp / f"{frame}.parquet")
        plausibility.freeze(warehouse, tmp, acknowledgements)
        values = long_values(pub.frames).with_columns(edition=pl.lit(name), published_at=pl.lit(now))
        values.select(list(VALUES_SCHEMA)).cast(VALUES_SCHEMA).write_parquet(tmp / "values.parquet")  # type: ignore[arg-type]
        src = pub["source_files"].with_columns(edition=pl.lit(name)).select(list(SOURCES_SCHEMA)).cast(SOURCES_SCHEMA)  # type: ignore[arg-type]
        src.write_parquet(tmp / "sources.parquet")
        pl.DataFrame([meta], schema=META_SCHEMA).write_parquet(tmp / "meta.parquet")
        freeze_provenance(warehouse, tmp, name)  # provenance.parquet (pipelines/publication/provenance.py)
        manifest = {
            **meta,
            "disclosure": {
                "k": k,
                **suppression_summary(pub.frames),
                "rule": "docs/publication.md (primary 1..k, secondary by certificate, SDMX flags)",
            },
            "source_files": src.drop("edition").to_dicts(),
            "files": {p.name: _sha256(p) for p in sorted(tmp.iterdir())},
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str) + "\n")
        for p in tmp.iterdir():
            p.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        _pause_for_tests("edition_before_rename")
        try:
            os.rename(tmp, target)  # fails if the edition appeared meanwhile (a publish without the lock)
        except OSError:
            if target.exists():
                raise EditionError(
                    f"edition {name!r} was published meanwhile by another process: editions are "
                    "immutable; choose a new name"
                ) from None
            raise
    except BaseException:
        _remove(tmp)
        raise
    target.chmod(stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)


def _pause_for_tests(stage: str) -> None:
    """pipelines.operations.fault_point without importing Dagster (this module serves a quick CLI)."""
    if os.environ.get("REVIEW_FAULT_PAUSE_AT") == stage:
        import time

        if os.environ.get("REVIEW_FAULT_MARKER"):
            Path(os.environ["REVIEW_FAULT_MARKER"]).write_text(stage)
        time.sleep(float(os.environ.get("REVIEW_FAULT_PAUSE_SECONDS", "600")))


def _remove(folder: Path) -> None:
    if folder.exists():
        folder.chmod(0o755)
        for p in folder.iterdir():
            p.chmod(0o644)
        shutil.rmtree(folder, ignore_errors=True)


def manifest(name: str, settings: Settings | None = None) -> dict:
    settings = _settings(settings)
    path = settings.editions_dir / name / "manifest.json"
    if not path.exists():
        raise EditionError(
            f"no edition {name!r} under {settings.editions_dir} "
            f"(editions: {', '.join(list_editions(settings)) or 'none'})"
        )
    return json.loads(path.read_text())


def verify_edition(name: str, settings: Settings | None = None) -> list[str]:
    """Problems with an edition's files (empty when every file matches its manifest hash)."""
    settings = _settings(settings)
    man = manifest(name, settings)
    folder = settings.editions_dir / name
    problems = []
    for fname, digest in man["files"].items():
        p = folder / fname
        if not p.exists():
            problems.append(f"{fname}: missing")
        elif _sha256(p) != digest:
            problems.append(f"{fname}: changed since the edition was published")
    extra = {p.name for p in folder.iterdir()} - set(man["files"]) - {"manifest.json"}
    problems += [f"{f}: not part of the edition" for f in sorted(extra)]
    return problems


def load_edition(name: str, settings: Settings | None = None) -> Publication:
    settings = _settings(settings)
    man = manifest(name, settings)
    problems = verify_edition(name, settings)
    if problems:
        raise EditionError(f"edition {name!r} does not match its manifest: " + "; ".join(problems))
    folder = settings.editions_dir / name
    frames = {f: pl.read_parquet(folder / f"{f}.parquet") for f in FRAMES}
    return Publication(
        label=f"edition {name}", created_at=man["published_at"], k=int(man["k"]), frames=frames, meta=man
    )
