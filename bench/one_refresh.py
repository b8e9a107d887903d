"""One full refresh, measured: `python -m bench.one_refresh --scale 30 --memory-limit 1200MB`.

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

from bench.run import REPO, ensure_extracts, gib, link_tree, peak_parts, run_refresh


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench.one_refresh", description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=float, default=10.0)
    ap.add_argument("--cache", type=Path, default=REPO / "bench" / "cache")
    ap.add_argument("--memory-limit", help="REVIEW_DUCKDB_MEMORY_LIMIT for the refresh (default: the project's)")
    args = ap.parse_args(argv)
    cache = args.cache.resolve()
    raw = ensure_extracts(cache, args.scale)
    work = cache / f"run-scale{args.scale:g}"
    shutil.rmtree(work, ignore_errors=True)
    link_tree(raw, work / "raw")
    (work / "dagster_home").mkdir(parents=True)
    (work / "dagster_home" / "dagster.yaml").write_text("")
    print(f"scale {args.scale:g}, memory limit {args.memory_limit or 'default'}", flush=True)
    m = run_refresh("full refresh", work, "full_refresh.log", args.memory_limit)
    print(f"wall {m.seconds:.1f} s, peak RSS {gib(m.peak_rss)} ({peak_parts(m)})")
    print("stages: " + ", ".join(f"{s} {t:.1f} s" for s, t in m.stages))
    print("slowest dbt nodes: " + ", ".join(f"{s} {t:.1f} s" for s, t in m.models))
    published = (work / "warehouse" / "review.duckdb").exists()
    print("published" if published else "NOT published")
    return 0 if published else 1


if __name__ == "__main__":
    raise SystemExit(main())
