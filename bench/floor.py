"""The floor of a refresh on this machine: `python -m bench.floor RAW_DIR` (run by `make bench`).

What any implementation of the job must at least do, each step measured on its own, in one process:

1. parse  every extract of RAW_DIR once, every column as text (DuckDB `read_csv`, all cores), into memory;
2. hmac   HMAC-SHA256 of the distinct beneficiary case numbers (`beneficiary_id`) with a key, on every
          core (one worker process per core, each hashing its share with the same prepared HMAC states
          as a refresh: `pipelines.pseudonymise.Pseudonymiser`);
3. count  distinct persons by service type and service year over the parsed rows (DuckDB).

Prints one `floor <step> <seconds>` line per step and `floor total <seconds>`; bench/run.py reads them.
Nothing here validates, keeps versions, writes a lake or a warehouse: it is a lower bound, not a refresh.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import duckdb

from pipelines.pseudonymise import Pseudonymiser

KEY = "bench-floor-key"


def _hmac_chunk(values: list[str]) -> int:
    """HMAC-SHA256 of each value with the refresh's own pseudonymiser (the same prepared states)."""
    digest = Pseudonymiser(KEY).digest
    for v in values:
        digest(v)
    return len(values)


def _sql_str(p: Path) -> str:
    return str(p).replace("'", "''")


def measure(raw: Path) -> dict[str, float]:
    con = duckdb.connect()
    times: dict[str, float] = {}

    t0 = time.perf_counter()
    for kind in ("projects", "expenditures", "beneficiaries"):
        files = sorted(str(p) for p in (raw / kind).glob("*.csv"))
        if not files:
            continue
        listing = ", ".join(f"'{_sql_str(Path(f))}'" for f in files)
        con.execute(
            f"create table {kind} as select * from read_csv([{listing}], all_varchar = true, header = true, "
            "union_by_name = true, null_padding = true, ignore_errors = true, filename = true)"
        )
    times["parse"] = time.perf_counter() - t0

    ids = [
        r[0]
        for r in con.execute(
            "select distinct beneficiary_id from beneficiaries where beneficiary_id is not null"
        ).fetchall()
    ]
    workers = os.cpu_count() or 1
    t0 = time.perf_counter()
    step = -(-len(ids) // workers) if ids else 1
    # spawned (not forked) workers: a fork would share, and count in RSS, the parent's parsed tables
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        hashed = sum(pool.map(_hmac_chunk, [ids[i : i + step] for i in range(0, len(ids), step)]))
    times["hmac"] = time.perf_counter() - t0
    assert hashed == len(ids)

    t0 = time.perf_counter()
    con.execute(
        "select service_type, substr(service_date, 1, 4) as year, count(distinct beneficiary_id) "
        "from beneficiaries group by all"
    ).fetchall()
    times["count"] = time.perf_counter() - t0
    times["total"] = sum(times.values())
    print(f"floor distinct_case_numbers {len(ids)}")
    return times


def main(raw: str) -> None:
    for step, secs in measure(Path(raw)).items():
        print(f"floor {step} {secs:.2f}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
