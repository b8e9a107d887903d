"""Running a real refresh and reading the warehouse, for the tests.

A refresh here is the real thing: the Dagster `refresh` job (ingest -> dbt build -> publish) executed
in-process on an ephemeral instance, with the REVIEW_* settings pointed at a temporary directory and
restored afterwards (the whole environment is snapshotted and put back). The run's `settings` resource
reads them when the run starts.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import duckdb
import pytest

from support.extracts import TEST_PSEUDONYM_KEY, ensure_kind_dirs


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
