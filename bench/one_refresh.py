"""One full refresh, measured: `python -m bench.one_refresh --scale 30 --memory-limit 1200MB`; with
`--then-increment`, then the +1% file and nothing-new refreshes as `make bench` runs them.

For what `make bench` does not do: a refresh at another DuckDB memory limit (`make bench` runs the
refresh with the default, REVIEW_* stripped from its environment) or at a scale whose baseline does not
fit in memory (scale 30: the baseline needs ~60 GiB). Same extracts cache, same measuring (wall time,
peak RSS of the process tree, Dagster stages, the slowest dbt nodes) as `make bench`; prints them and
writes nothing to bench/results.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from bench.run import REPO, count_rows, ensure_extracts, gib, link_tree, peak_parts, run_refresh, write_increment


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench.one_refresh", description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=float, default=10.0)
    ap.add_argument("--cache", type=Path, default=REPO / "bench" / "cache")
    ap.add_argument("--memory-limit", help="REVIEW_DUCKDB_MEMORY_LIMIT for the refresh (default: the project's)")
    ap.add_argument(
        "--then-increment",
        action="store_true",
        help="after the full refresh, a refresh after one new file of 1%% of the beneficiaries rows, then one with nothing new",
    )
    ap.add_argument(
        "--again",
        type=int,
        metavar="N",
        help="no full refresh: on the work folder of the last run at this scale, one more +1%% file (the N-th, "
        "service ids prefixed BENCH<N>-), then a refresh; repeats the incremental path without the full refresh",
    )
    args = ap.parse_args(argv)
    cache = args.cache.resolve()
    raw = ensure_extracts(cache, args.scale)
    work = cache / f"run-scale{args.scale:g}"
    if args.again:
        rows = round(0.01 * count_rows(raw / "beneficiaries"))
        write_increment(work / "raw", rows, f"zz_bench_increment_1pct_{args.again}.csv", f"BENCH{args.again}-")
        print(f"+1% file {args.again}: {rows:,} beneficiaries rows", flush=True)
        inc = run_refresh(
            f"refresh after +1% file {args.again}", work, f"increment_{args.again}_refresh.log", args.memory_limit
        )
        show(inc)
        return inc.returncode
    shutil.rmtree(work, ignore_errors=True)
    link_tree(raw, work / "raw")
    (work / "dagster_home").mkdir(parents=True)
    (work / "dagster_home" / "dagster.yaml").write_text("")
    print(f"scale {args.scale:g}, memory limit {args.memory_limit or 'default'}", flush=True)
    m = run_refresh("full refresh", work, "full_refresh.log", args.memory_limit)
    show(m)
    published = (work / "warehouse" / "review.duckdb").exists()
    print("published" if published else "NOT published")
    if not published:
        return 1
    if args.then_increment:
        rows = round(0.01 * count_rows(work / "raw" / "beneficiaries"))
        write_increment(work / "raw", rows)
        print(f"+1% file: {rows:,} beneficiaries rows")
        inc = run_refresh("refresh after +1% file", work, "increment_refresh.log", args.memory_limit)
        show(inc)
        print(f"+1% file: {inc.seconds / m.seconds:.0%} of the full refresh")
        show(run_refresh("refresh with nothing new", work, "noop_refresh.log", args.memory_limit))
    return 0


def show(m) -> None:
    print(f"{m.label}: wall {m.seconds:.1f} s, peak RSS {gib(m.peak_rss)} ({peak_parts(m)})")
    print("stages: " + ", ".join(f"{s} {t:.1f} s" for s, t in m.stages))
    print("slowest dbt nodes: " + ", ".join(f"{s} {t:.1f} s" for s, t in m.models))


if __name__ == "__main__":
    raise SystemExit(main())
