"""The `unique_since_last_build` data test (dbt_project/macros/test_unique_since_last_build.sql, issue 17).

In an incremental build it looks up only the keys the model's pre-hook decided again (a helper table beside
the model); otherwise every row. Here, in a copy of the demo warehouse, one winning service is stored twice,
and a real `dbt test` is run three ways:
- given a delta, with the duplicated id among the helper's keys: the test fails with that id;
- given a delta, with another id as the only key: the test passes, for it looked only there (and its compiled
  SQL says so): were the restriction dropped, this case fails;
- without a delta: every row is looked at, and the test fails.
"""

from __future__ import annotations

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
HELPER = "staging.stg_lake__beneficiaries__touched"


def dbt_test(built: Path, tmp_path: Path, delta: bool) -> tuple[subprocess.CompletedProcess, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REVIEW_")} | {
        "REVIEW_DBT_PATH": str(built),
        "REVIEW_LAKE_DIR": str(tmp_path / "no_lake"),
    }
    if delta:  # the test only asks whether a delta is given; the file is not read
        env["REVIEW_BUILD_DELTA"] = str(tmp_path / "delta.parquet")
    target = tmp_path / f"target_{len(list(tmp_path.glob('target_*')))}"
    run = subprocess.run(
        [
            DBT, "test", "--select", "test_name:unique_since_last_build,stg_lake__beneficiaries",
            "--project-dir", str(REPO / "dbt_project"), "--profiles-dir", str(REPO / "dbt_project"),
            "--target-path", str(target), "--log-path", str(tmp_path / "logs"),
        ],
        env=env, capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    compiled = next((target / "compiled").rglob("unique_since_last_build*.sql")).read_text()
    return run, compiled


def test_unique_since_last_build_looks_up_the_changed_keys_only(tmp_path_factory, tmp_path):
    built = tmp_path / "review.duckdb"
    shutil.copy(demo_warehouse(tmp_path_factory), built)
    with duckdb.connect(str(built)) as con:
        (twice, other), = con.sql(
            "select min(service_id), max(service_id) from staging.stg_lake__beneficiaries"
        ).fetchall()  # fmt: skip
        assert twice != other
        con.execute(
            "insert into staging.stg_lake__beneficiaries select * from staging.stg_lake__beneficiaries "
            "where service_id = ?",
            [twice],
        )
        con.execute(f"create table {HELPER} as select ? as service_id", [twice])

    run, compiled = dbt_test(built, tmp_path, delta=True)
    assert run.returncode == 1, run.stdout[-3000:] + run.stderr[-3000:]
    assert "FAIL 1 unique_since_last_build" in run.stdout, run.stdout[-3000:]
    assert "stg_lake__beneficiaries__touched" in compiled

    with duckdb.connect(str(built)) as con:
        con.execute(f"create or replace table {HELPER} as select ? as service_id", [other])
    run, compiled = dbt_test(built, tmp_path, delta=True)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "stg_lake__beneficiaries__touched" in compiled

    run, compiled = dbt_test(built, tmp_path, delta=False)
    assert run.returncode == 1, run.stdout[-3000:] + run.stderr[-3000:]
    assert "FAIL 1 unique_since_last_build" in run.stdout, run.stdout[-3000:]
    assert "stg_lake__beneficiaries__touched" not in compiled
