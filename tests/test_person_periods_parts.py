"""int_person_periods aggregated in parts gives the same table as one aggregate (issue 17, memory).

The model groups its rows by (cell, person) in parts, one per `person_period_services_per_chunk` rows of
int_services (dbt_project/macros/chunks.sql), so that the groups of one part fit in DuckDB's memory limit
at any volume; the demo volume is one part. Here the model is rebuilt, by a real `dbt run`, in a copy of
the session's demo warehouse (a real refresh) with the per-part size set so that it takes 3 parts, and the
table must be the one the refresh built in one aggregate, row for row (multiset equality both ways).

The number of parts is worked out here from the row count (ceil(n / per_part) with per_part = ceil(n / 3)
is 3 for any n >= 3), and the compiled SQL must hold the three parts' filters: were the macro to count
nothing and give one part, the test fails. (Person ids here are non-negative 63-bit hashes; the unit test
`person_periods_aggregated_in_parts_are_the_same_groups` covers negative ids, for which plain `%` fails.)
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from support.demo_build import demo_warehouse

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
DBT = str(Path(sys.executable).parent / "dbt")


def test_person_periods_in_three_parts_are_the_one_aggregate(tmp_path_factory, tmp_path):
    built = tmp_path / "review.duckdb"
    shutil.copy(demo_warehouse(tmp_path_factory), built)
    one_aggregate = tmp_path / "one_aggregate.parquet"
    with duckdb.connect(str(built), read_only=True) as con:
        n_services = con.sql("select count(*) from intermediate.int_services").fetchall()[0][0]
        n_rows = con.sql("select count(*) from intermediate.int_person_periods").fetchall()[0][0]
        con.execute(f"copy intermediate.int_person_periods to '{one_aggregate}' (format parquet)")
    assert n_services >= 3
    per_part = math.ceil(n_services / 3)
    assert math.ceil(n_services / per_part) == 3

    env = {k: v for k, v in os.environ.items() if not k.startswith("REVIEW_")} | {
        "REVIEW_DBT_PATH": str(built),
        "REVIEW_LAKE_DIR": str(tmp_path / "no_lake"),
    }
    target = tmp_path / "target"
    run = subprocess.run(
        [
            DBT, "run", "--select", "int_person_periods",
            "--vars", f"{{person_period_services_per_chunk: {per_part}}}",
            "--project-dir", str(REPO / "dbt_project"), "--profiles-dir", str(REPO / "dbt_project"),
            "--target-path", str(target), "--log-path", str(tmp_path / "logs"),
        ],
        env=env, capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    # the model is incremental on DuckDB: run into the existing table without a delta, it deletes every row and
    # counts them all again (the compiled select; target/run holds the insert)
    compiled = next((target / "compiled").rglob("int_person_periods.sql")).read_text()
    for k in range(3):
        assert f"(person_id % 3 + 3) % 3 = {k}" in compiled
    assert compiled.count("group by cell, person_id") == 3

    with duckdb.connect(str(built), read_only=True) as con:
        parts = con.sql("select count(*) from intermediate.int_person_periods").fetchall()[0][0]
        for a, b in (
            ("intermediate.int_person_periods", f"read_parquet('{one_aggregate}')"),
            (f"read_parquet('{one_aggregate}')", "intermediate.int_person_periods"),
        ):
            missing = con.sql(f"select count(*) from (from {a} except all from {b})").fetchall()[0][0]
            assert missing == 0, f"{missing} rows of {a} are not in {b}"
    assert parts == n_rows


def test_services_windows_in_three_parts_are_the_one_window(tmp_path_factory, tmp_path):
    """int_services computes recency and the only-service flag per person hash in parts of at most
    `services_per_window_part` winning services (scale 30 ran out of memory in one): in 3 parts (person hash
    modulo 3) the table is the one the refresh built in one part, row for row."""
    built = tmp_path / "review.duckdb"
    shutil.copy(demo_warehouse(tmp_path_factory), built)
    one_part = tmp_path / "one_part.parquet"
    with duckdb.connect(str(built), read_only=True) as con:
        n_winners = con.sql("select count(*) from staging.stg_lake__beneficiaries").fetchall()[0][0]
        n_rows = con.sql("select count(*) from intermediate.int_services").fetchall()[0][0]
        con.execute(f"copy intermediate.int_services to '{one_part}' (format parquet)")
    per_part = math.ceil(n_winners / 3)
    assert math.ceil(n_winners / per_part) == 3

    env = {k: v for k, v in os.environ.items() if not k.startswith("REVIEW_")} | {
        "REVIEW_DBT_PATH": str(built),
        "REVIEW_LAKE_DIR": str(tmp_path / "no_lake"),
    }
    target = tmp_path / "target"
    run = subprocess.run(
        [
            DBT, "run", "--select", "int_services",
            "--vars", f"{{services_per_window_part: {per_part}}}",
            "--project-dir", str(REPO / "dbt_project"), "--profiles-dir", str(REPO / "dbt_project"),
            "--target-path", str(target), "--log-path", str(tmp_path / "logs"),
        ],
        env=env, capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    compiled = next((target / "compiled").rglob("int_services.sql")).read_text()
    for k in range(3):
        assert f"% 3 = {k}" in compiled
    assert compiled.count("window by_person as") == 3

    with duckdb.connect(str(built), read_only=True) as con:
        parts = con.sql("select count(*) from intermediate.int_services").fetchall()[0][0]
        for a, b in (
            ("intermediate.int_services", f"read_parquet('{one_part}')"),
            (f"read_parquet('{one_part}')", "intermediate.int_services"),
        ):
            missing = con.sql(f"select count(*) from (from {a} except all from {b})").fetchall()[0][0]
            assert missing == 0, f"{missing} rows of {a} are not in {b}"
    assert parts == n_rows
