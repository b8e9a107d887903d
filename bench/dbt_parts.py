"""Where a dbt build's time goes, by part of the job: `python -m bench.dbt_parts RUN_RESULTS.json`.

Reads dbt's run_results.json (each node's start and end) and prints, per part, the number of nodes, their
thread time and their share of the build's wall time: at each instant the wall time is split equally
between the nodes running then, so the shares add up to the build's wall time even when dbt runs two
nodes at once. The parts separate what `bench/baseline.sql` also does (the winning versions, persons,
the other indicator models) from what only the contract asks of a refresh (breakdowns, provenance,
plausibility, audit, editions, dbt's data and unit tests): docs/performance.md uses it to say what bounds
the full refresh against the baseline and the floor.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

# the three models that hold most of the counting work, each its own part
CORE = ("stg_lake__beneficiaries", "int_services", "int_person_periods")


def part_of(unique_id: str) -> str:
    """The part of the job a dbt node belongs to, from its unique_id (resource type and model name)."""
    kind, _, rest = unique_id.split(".", 2)
    name = rest.split(".")[0]
    if kind == "unit_test":
        return "unit tests"
    if kind == "test":
        return "data tests"
    if kind == "seed":
        return "seeds"
    if name in CORE:
        return name
    if "provenance" in name or "superseded" in name or "rule_versions" in name:
        return "provenance"
    if "dimension" in name or "breakdown" in name or "profiles" in name:
        return "breakdowns"
    if "plausibility" in name:
        return "plausibility"
    if "reject" in name or name in ("held_rows", "source_files"):
        return "audit"
    if name.startswith(("edition_", "rpt_")):
        return "editions and reports"
    return "other models"


def _ts(text: str) -> float:
    return dt.datetime.fromisoformat(text.rstrip("Z")).timestamp()


def parts(run_results: dict) -> dict[str, tuple[int, float, float]]:
    """{part: (nodes, thread seconds, share of wall seconds)}, largest share first."""
    spans = []
    for node in run_results["results"]:
        if node["timing"]:
            start = min(_ts(t["started_at"]) for t in node["timing"])
            end = max(_ts(t["completed_at"]) for t in node["timing"])
            spans.append((start, end, part_of(node["unique_id"])))
    edges = sorted({s for s, _, _ in spans} | {e for _, e, _ in spans})
    wall: dict[str, float] = defaultdict(float)
    for lo, hi in zip(edges, edges[1:]):
        running = [p for s, e, p in spans if s <= lo and e >= hi]
        for p in running:
            wall[p] += (hi - lo) / len(running)
    nodes, thread = Counter(p for _, _, p in spans), defaultdict(float)
    for s, e, p in spans:
        thread[p] += e - s
    return {p: (nodes[p], thread[p], wall[p]) for p in sorted(nodes, key=lambda p: -wall[p])}


def table(run_results: dict) -> str:
    rows = parts(run_results)
    lines = ["| part | nodes | thread time | share of wall |", "|---|---:|---:|---:|"]
    lines += [f"| {p} | {n} | {t:.1f} s | {w:.1f} s |" for p, (n, t, w) in rows.items()]
    lines.append(f"| all | {sum(n for n, _, _ in rows.values())} | | {sum(w for _, _, w in rows.values()):.1f} s |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(table(json.loads(Path(sys.argv[1]).read_text())))
