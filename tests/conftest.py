"""Shared helpers for the end-to-end tests: write CSV extracts, run a real refresh, read the warehouse.

A refresh here is the real thing: the Dagster `refresh` job (ingest -> dbt build -> publish) executed
in-process on an ephemeral instance, with the REVIEW_* settings pointed at a temporary directory and
restored afterwards (the dbt asset writes REVIEW_LAKE_DIR / REVIEW_DBT_PATH into os.environ, so the
whole environment is snapshotted and put back).
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import duckdb
import pytest

# A fixed test key: persons are pseudonymised with it (never the development default).
TEST_PSEUDONYM_KEY = "e2e-test-key-0123456789"

KINDS = ("projects", "expenditures", "beneficiaries")

# The contract's columns per kind (extracts.md), in contract order.
PROJECT_COLUMNS = [
    "project_code",
    "title",
    "country_iso3",
    "activity_type",
    "strategy_points",
    "primary_point",
    "start_date",
    "end_date",
    "budget_usd",
    "extracted_at",
]
EXPENDITURE_COLUMNS = ["project_code", "year", "expenditure_usd", "extracted_at"]
BENEFICIARY_COLUMNS = [
    "service_id",
    "beneficiary_id",
    "full_name",
    "document_no",
    "date_of_birth",
    "sex",
    "service_type",
    "service_date",
    "country_of_service",
    "destination_country",
    "case_category",
    "project_code",
    "extracted_at",
]


def csv_text(header: Sequence[str], rows: Iterable[Sequence[str] | None], line_end: str = "\n") -> str:
    """RFC 4180 text: header + rows. A row of `None` is written as a blank line (not a record).
    Rows are written exactly as given (they may have more or fewer fields than the header)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator=line_end, quoting=csv.QUOTE_MINIMAL)
    w.writerow(header)
    for r in rows:
        if r is None:
            buf.write(line_end)
        else:
            w.writerow(r)
    return buf.getvalue()


def write_extract(
    raw_dir: Path,
    kind: str,
    file_name: str,
    header: Sequence[str],
    rows: Iterable[Sequence[str] | None],
    *,
    encoding: str = "utf-8",
    bom: bool = False,
    line_end: str = "\n",
) -> Path:
    """Write one delivery file under <raw_dir>/<kind>/<file_name> and return its path."""
    folder = Path(raw_dir) / kind
    folder.mkdir(parents=True, exist_ok=True)
    data = csv_text(header, rows, line_end).encode(encoding)
    if bom:
        data = b"\xef\xbb\xbf" + data
    path = folder / file_name
    path.write_bytes(data)
    return path


def write_raw_bytes(raw_dir: Path, kind: str, file_name: str, data: bytes) -> Path:
    """Write arbitrary bytes as a file in a kind's folder (non-UTF-8 files, non-CSV files)."""
    folder = Path(raw_dir) / kind
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / file_name
    path.write_bytes(data)
    return path


def ensure_kind_dirs(raw_dir: Path) -> None:
    for kind in KINDS:
        (Path(raw_dir) / kind).mkdir(parents=True, exist_ok=True)


def refresh_run(raw_dir: Path, tmp_path: Path, defs=None):
    """Run the full `refresh` job in-process. Returns (published warehouse path, Dagster result).
    `defs`: the code location to run (default pipelines.definitions.defs, dbt on REVIEW_DBT_TARGET's
    engine; tests/test_spark_parity.py passes build_defs("spark"))."""
    import dagster as dg

    if defs is None:
        from pipelines.definitions import defs

    ensure_kind_dirs(raw_dir)
    warehouse = Path(tmp_path) / "warehouse" / "review.duckdb"
    lake = Path(tmp_path) / "lake"
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    saved = dict(os.environ)
    os.environ.update(
        {
            "REVIEW_RAW_DIR": str(raw_dir),
            "REVIEW_WAREHOUSE": str(warehouse),
            "REVIEW_LAKE_DIR": str(lake),
            "REVIEW_PSEUDONYM_KEY": TEST_PSEUDONYM_KEY,
        }
    )
    try:
        job = defs.resolve_job_def("refresh")
        result = job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    if not result.success:
        failures = [
            f"{e.step_key}: {e.event_specific_data.error.message if e.event_specific_data and getattr(e.event_specific_data, 'error', None) else e.message}"
            for e in result.all_events
            if e.is_step_failure
        ]
        pytest.fail("refresh failed:\n" + "\n".join(failures))
    assert warehouse.exists(), f"refresh succeeded but published nothing at {warehouse}"
    return warehouse, result


def refresh(raw_dir: Path, tmp_path: Path) -> Path:
    """Run a real full refresh (Dagster job `refresh`) and return the published warehouse path."""
    return refresh_run(raw_dir, tmp_path)[0]


def query(warehouse: Path, sql: str, params: Sequence | None = None) -> list[tuple]:
    """Open the warehouse read-only, as analysts do, fetch everything, close."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def ingest_metadata(result, kind: str) -> dict:
    """The metadata of the lake/<kind> materialization of a refresh (files, cache counts)."""
    for mat in result.asset_materializations_for_node(f"ingest_{kind}"):
        if list(mat.asset_key.path) == ["lake", kind]:
            return {k: v.value for k, v in mat.metadata.items()}
    raise AssertionError(f"no lake/{kind} materialization in the run")


@pytest.fixture(scope="session")
def e2e_refresh(tmp_path_factory) -> dict:
    """The hand-built fixture of test_warehouse_e2e.py, refreshed once per session (a refresh costs ~25 s).

    Shared by test_warehouse_e2e.py (reads it) and test_rerun.py (re-runs on a byte-for-byte copy of the
    whole tree: raw files, lake and published warehouse). Nothing may write into this tree.
    """
    from test_warehouse_e2e import build_fixture

    tmp = tmp_path_factory.mktemp("e2e")
    raw = tmp / "raw"
    build_fixture(raw)
    raw_before = {p.relative_to(raw): p.read_bytes() for p in raw.rglob("*") if p.is_file()}
    warehouse, result = refresh_run(raw, tmp)
    return {
        "tmp": tmp,
        "raw": raw,
        "raw_before": raw_before,
        "warehouse": warehouse,
        "result": result,
        "lake": tmp / "lake",
    }
