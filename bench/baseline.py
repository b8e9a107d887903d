"""Run bench/baseline.sql in one DuckDB process: `python -m bench.baseline RAW_DIR OUT.parquet`.

The script reads the CSVs under RAW_DIR; the values it computes (indicator, period, value) are written to
OUT.parquet so that bench/run.py can check them against the warehouse. Prints one `stage <name> <s>` line
per statement group (reading and checking each kind, indicators).
"""

import sys
import time
from pathlib import Path

import duckdb

HERE = Path(__file__).resolve().parent
SEEDS = HERE.parent / "dbt_project" / "seeds"


def main(raw: str, out: str) -> None:
    sql = (
        (HERE / "baseline.sql")
        .read_text()
        .replace("${RAW}", raw.replace("'", "''"))
        .replace("${SEEDS}", str(SEEDS).replace("'", "''"))
    )  # in SQL strings
    con = duckdb.connect()  # in memory, DuckDB's defaults: every core, 80% of the machine's memory
    stages: dict[str, float] = {}
    for stmt in (s for s in sql.split(";\n") if s.strip()):
        body = [ln for ln in stmt.strip().splitlines() if ln.strip() and not ln.lstrip().startswith("--")]
        words = body[0].split() if body else []
        name = words[2] if len(words) > 2 and words[0] == "create" and words[1] in ("table", "view") else "setup"
        stage = {
            "setup": "setup",
            "iso3": "setup",
            "catalogue": "setup",
            "bad_files": "file_checks",
            "projects_raw": "projects",
            "projects": "projects",
            "expenditures": "expenditures",
            "services": "beneficiaries",
        }.get(name, "indicators")
        t0 = time.perf_counter()
        con.execute(stmt)
        stages[stage] = stages.get(stage, 0.0) + time.perf_counter() - t0
    t0 = time.perf_counter()
    out_sql = str(out).replace("'", "''")
    con.execute(f"copy (select * from indicator_values order by all) to '{out_sql}' (format parquet)")
    stages["indicators"] += time.perf_counter() - t0
    n = con.execute("select count(*), count(distinct indicator_code) from indicator_values").fetchall()[0]
    print(f"{n[0]} values of {n[1]} indicators")
    for k, v in stages.items():
        print(f"stage {k} {v:.2f}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
