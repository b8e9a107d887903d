"""int_person_periods and int_services computed in parts give the same tables as in one part (issue 17, memory).

int_person_periods groups its rows by (cell, person) in parts, one per `person_period_services_per_chunk` rows
of int_services (dbt_project/macros/chunks.sql); int_services computes recency and the only-service flag per
person hash in parts of at most `services_per_window_part` winning services. Each keeps the groups of one part
within DuckDB's memory limit at any volume; the demo volume is one part. Here each model is rebuilt, by a real
`dbt run`, in a copy of the session's demo warehouse (a real refresh) with the per-part size set so that it
takes 3 parts, and the table must be the one the refresh built in one part, row for row (multiset equality
both ways).

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


def _count(con, table: str) -> int:
    return con.sql(f"select count(*) from {table}").fetchall()[0][0]


def rebuilt_in_three_parts(tmp_path_factory, tmp_path, model: str, sized_by: str, per_part_var: str) -> str:
    """Rebuild intermediate.`model` in a copy of the demo warehouse with `per_part_var` set so that the
    `sized_by` table's rows make 3 parts; check that the table equals the one the refresh built, row for
    row, both ways. Returns the compiled SQL (dbt's target/compiled) for the caller's checks of the parts."""
    built = tmp_path / "review.duckdb"
    shutil.copy(demo_warehouse(tmp_path_factory), built)
    one_part = tmp_path / "one_part.parquet"
    table = f"intermediate.{model}"
    with duckdb.connect(str(built), read_only=True) as con:
        n_sizing, n_rows = _count(con, sized_by), _count(con, table)
        con.execute(f"copy {table} to '{one_part}' (format parquet)")
    assert n_sizing >= 3
    per_part = math.ceil(n_sizing / 3)
    assert math.ceil(n_sizing / per_part) == 3

    env = {k: v for k, v in os.environ.items() if not k.startswith("REVIEW_")} | {
        "REVIEW_DBT_PATH": str(built),
        "REVIEW_LAKE_DIR": str(tmp_path / "no_lake"),
    }
    target = tmp_path / "target"
    run = subprocess.run(
        [
            DBT, "run", "--select", model,
            "--vars", f"{{{per_part_var}: {per_part}}}",
            "--project-dir", str(REPO / "dbt_project"), "--profiles-dir", str(REPO / "dbt_project"),
            "--target-path", str(target), "--log-path", str(tmp_path / "logs"),
        ],
        env=env, capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]

    with duckdb.connect(str(built), read_only=True) as con:
        for a, b in ((table, f"read_parquet('{one_part}')"), (f"read_parquet('{one_part}')", table)):
            missing = _count(con, f"(from {a} except all from {b})")
            assert missing == 0, f"{missing} rows of {a} are not in {b}"
        assert _count(con, table) == n_rows
    return next((target / "compiled").rglob(f"{model}.sql")).read_text()


def test_person_periods_in_three_parts_are_the_one_aggregate(tmp_path_factory, tmp_path):
    # the model is incremental on DuckDB: run into the existing table without a delta, it deletes every row and
    # counts them all again (the compiled select; target/run holds the insert)
    compiled = rebuilt_in_three_parts(
        tmp_path_factory,
        tmp_path,
        "int_person_periods",
        "intermediate.int_services",
        "person_period_services_per_chunk",
    )
    for k in range(3):
        assert f"(person_id % 3 + 3) % 3 = {k}" in compiled
    assert compiled.count("group by cell, person_id") == 3


def test_services_windows_in_three_parts_are_the_one_window(tmp_path_factory, tmp_path):
    """int_services in 3 parts (person hash modulo 3, at most `services_per_window_part` winning services
    each: scale 30 ran out of memory in one) is the table the refresh built in one part."""
    compiled = rebuilt_in_three_parts(
        tmp_path_factory, tmp_path, "int_services", "staging.stg_lake__beneficiaries", "services_per_window_part"
    )
    for k in range(3):
        assert f"% 3 = {k}" in compiled
    assert compiled.count("window by_person as") == 3
