"""The README's commands, run as a user runs them (issue 12, items 4 and 5): `make refresh` ends in one
screen and puts the detail in a log file; `make sql` is a working, read-only SQL route for analysts;
`review-publish --compare` works right after `--edition`; `make dev PORT=...` serves the code location
without the venv on PATH.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import polars as pl
import pytest

from support.tree import BIN, REPO, Tree

pytestmark = pytest.mark.slow

MAKE = shutil.which("make")


def lines(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if ln.strip()]


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Tree:
    if MAKE is None:
        pytest.skip("make is not installed")
    t = Tree(tmp_path_factory.mktemp("routes") / "qu'est-ce")
    t.minimal(women=2)
    (t.root / "dagster_home").mkdir()
    t.first = t.run([MAKE, "--no-print-directory", "refresh"], DAGSTER_HOME=str(t.root / "dagster_home"))
    return t


def test_make_refresh_ends_in_one_screen_with_the_detail_in_a_log(tree):
    r = tree.first
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    out = r.stdout[r.stdout.index("Refreshing (detail: ") :]  # after make's own lines (setup)
    screen = lines(out)
    assert len(screen) < 30, out
    assert screen[2].startswith("Refresh ") and screen[2].endswith(": PUBLISHED")
    assert "Files of this refresh: 3 loaded; 0 loaded but contributing nothing (no valid row)" in out
    assert "Published figures holding: 0 of 31 (this build; marts.rpt_reconciliation)" in out
    assert f"Warehouse: {tree.warehouse}\n" in out and f"Review pack: {tree.pack / 'review.html'}, review.xlsx\n" in out
    log = Path(next(ln for ln in screen if ln.startswith("Log (Dagster and dbt detail): ")).split(": ", 1)[1])
    detail = log.read_text()
    assert "STEP_SUCCESS" in detail and "dbt build" in detail and len(lines(detail)) > 200
    assert "DEBUG" not in out and "PreviewWarning" not in r.stdout + r.stderr


def test_compare_works_right_after_freezing_an_edition(tree):
    pub = tree.run([str(BIN / "review-publish"), "--edition", "right-now"])
    assert pub.returncode == 0, pub.stderr
    cmp = tree.run([str(BIN / "review-publish"), "--compare", "right-now"])
    assert cmp.returncode == 0, cmp.stderr
    assert cmp.stdout.startswith("0 published numbers of edition 'right-now' differ from the current build.")
    unknown = tree.run([str(BIN / "review-publish"), "--compare", "no-such"])
    assert unknown.returncode == 1 and len(lines(unknown.stderr)) == 1 and "no edition 'no-such'" in unknown.stderr


def test_make_sql_reads_the_published_file_read_only(tree):
    q = "select value from marts.fct_indicator_values where indicator_code = 'P01.pre_consular_applicants' and year = 2009"
    r = tree.run([MAKE, "--no-print-directory", "sql", f"SQL={q}"])
    assert r.returncode == 0, r.stderr
    assert "│ 2.0 │" in r.stdout.replace("  ", " ").replace("  ", " ") or " 2.0 " in r.stdout
    piped = subprocess.run(
        [MAKE, "--no-print-directory", "sql"],
        cwd=REPO,
        env=tree.env(),
        text=True,
        capture_output=True,
        input=".tables\nselect 40 + 2\n  as answer;\n",
        timeout=120,
    )
    assert piped.returncode == 0, piped.stderr
    assert "rpt_reconciliation" in piped.stdout and "answer" in piped.stdout and "42" in piped.stdout
    before = tree.warehouse.stat().st_mtime_ns
    w = tree.run([MAKE, "--no-print-directory", "sql", "SQL=create table marts.scratch (a int)"])
    assert w.returncode != 0 and "read-only" in w.stderr.lower()
    assert tree.warehouse.stat().st_mtime_ns == before
    assert tree.query("select count(*) from information_schema.tables where table_name = 'scratch'") == [(0,)]


def test_make_refresh_lists_the_warnings_of_its_run(tree):
    # An edition altered after it was frozen is not read, with a warning event: the screen shows it.
    ed = tree.editions / "right-now"
    ed.chmod(0o755)
    (ed / "values.parquet").chmod(0o644)
    pl.read_parquet(ed / "values.parquet").head(3).write_parquet(ed / "values.parquet")
    r = tree.run([MAKE, "--no-print-directory", "refresh"], DAGSTER_HOME=str(tree.root / "dagster_home"))
    assert r.returncode == 0, r.stdout[-2000:]
    assert "Warnings of this run (1):\n  editions: edition 'right-now' is not read: its files do not match" in r.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


LOCATIONS = """{ workspaceOrError { __typename ... on Workspace { locationEntries { name loadStatus
  locationOrLoadError { __typename ... on PythonError { message } ... on RepositoryLocation {
  repositories { jobs { name } } } } } } } }"""


def test_make_dev_serves_the_code_location_on_the_chosen_port(tmp_path):
    if MAKE is None:
        pytest.skip("make is not installed")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("REVIEW_")}
    env["PATH"] = "/usr/local/bin:/usr/bin:/bin"  # as on a fresh clone: the venv is not on PATH
    env["DAGSTER_HOME"] = str(tmp_path / "dagster_home")
    (tmp_path / "dagster_home").mkdir()
    log = open(tmp_path / "dev.log", "wb")
    p = subprocess.Popen(
        [MAKE, "--no-print-directory", "dev", f"PORT={port}"],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    entry = None
    try:
        end = time.monotonic() + 300
        while time.monotonic() < end and p.poll() is None:
            try:
                req = urllib.request.Request(
                    f"http://127.0.0.1:{port}/graphql",
                    data=json.dumps({"query": LOCATIONS}).encode(),
                    headers={"Content-Type": "application/json"},
                )
                data = json.loads(urllib.request.urlopen(req, timeout=10).read())
                entries = data["data"]["workspaceOrError"]["locationEntries"]
                if entries and entries[0]["loadStatus"] == "LOADED":
                    entry = entries[0]
                    break
            except (OSError, KeyError, ValueError):
                pass
            time.sleep(2)
    finally:
        with_pg = p.poll() is None
        if with_pg:
            os.killpg(p.pid, signal.SIGTERM)
            try:
                p.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait(30)
        log.close()
    detail = (tmp_path / "dev.log").read_text(errors="replace")[-3000:]
    assert entry is not None, detail
    loc = entry["locationOrLoadError"]
    assert loc["__typename"] == "RepositoryLocation", loc
    assert "refresh" in {j["name"] for j in loc["repositories"][0]["jobs"]}


def test_the_published_file_is_in_a_storage_format_the_pypi_cli_reads(tree):
    tags = tree.query("select tags from duckdb_databases() where path = ?", [str(tree.warehouse)])
    assert tags and tags[0][0].get("storage_version") == "v1.5.0+"
    # With a DuckDB 1.5 CLI at hand (REVIEW_TEST_DUCKDB_CLI, e.g. from `pip install duckdb-cli==1.5.6`), open it.
    cli = os.environ.get("REVIEW_TEST_DUCKDB_CLI") or shutil.which("duckdb")
    if not cli:
        pytest.skip("no duckdb CLI to open the file with (set REVIEW_TEST_DUCKDB_CLI)")
    r = subprocess.run(
        [cli, "-readonly", "-csv", str(tree.warehouse), "-c", "select count(*) from marts.rpt_reconciliation"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["count_star()", "31"]
