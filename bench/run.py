"""`make bench`: the cost of the stack against its limit, a hand-written DuckDB script, on the same machine.

    python -m bench.run [--scale 10] [--cache bench/cache] [--results bench/results] [--no-write]

1. Generates the synthetic extracts at --scale once into <cache>/raw-scale<S>/ (reused while the
   generator is unchanged), and links them into a fresh work folder <cache>/run-scale<S>/raw/.
2. Measures, one after the other (each a separate process tree: wall time and peak RSS, the sum of VmRSS
   over the process and all its descendants, sampled every 0.2 s from /proc):
   - floor         bench/floor.py: parse every extract once, HMAC of the distinct case numbers on every
                   core, distinct persons by service type and year (the least any refresh must do);
   - baseline      bench/baseline.sql in one DuckDB process (row checks, re-delivery rule, every core
                   indicator for every year and the review window) straight from the raw CSVs;
   - full refresh  `dagster asset materialize -m pipelines --select '*'` on an empty lake and warehouse;
   - +1% file      the same command after one new beneficiaries file of 1% of the beneficiary rows;
   - nothing new   the same command again, nothing changed: ingest recognises every file by its hash and
                   the refresh stops there (no dbt build, no publish), start-up included.
   Per-stage times come from the Dagster run's step events (DAGSTER_HOME is a folder of the work dir)
   and per-model times from dbt's run_results.json.
3. Checks that the baseline and the warehouse agree on every indicator value (years and window), prints
   a table, and writes it to <results>/<date>.md (scale 10) or <date>-scale<S>.md.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench import dbt_parts

REPO = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
BENCH_KEY = "bench-pseudonym-key-not-secret"
KINDS = ("projects", "expenditures", "beneficiaries")
INCREMENT_NAME = "zz_bench_increment_1pct.csv"

# Targets of issue 6 (2-core, 24 GiB machine).
TARGET_FULL_VS_BASELINE = 2.5
TARGET_PEAK_RSS = 2 * 1024**3
TARGET_INCREMENT_SHARE = 0.10
TARGET_NOOP_SECONDS = 15.0  # issue 12, item 6: a refresh with nothing new, at scale 10, start-up included


# --- measuring a process tree -----------------------------------------------------------------------------


def _ppid_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may contain spaces and parentheses
        ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(d))
    return children


def _rss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            for line in f:
                if line.startswith(b"VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _comm(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            args = [a.decode(errors="replace") for a in f.read().split(b"\0") if a]
    except OSError:
        return "?"
    # the program, or for python the module / script it runs (dagster, dbt, ...)
    names = [Path(a).name for a in args[:3]]
    return next(
        (n for n in names if n and not n.startswith("python") and not n.startswith("-")), names[0] if names else "?"
    )


def tree_rss(root: int) -> tuple[int, list[tuple[str, int]]]:
    """Sum of VmRSS over `root` and all its descendants, and each process's share."""
    children = _ppid_map()
    parts, stack = [], [root]
    while stack:
        pid = stack.pop()
        parts.append((pid, _rss_bytes(pid)))
        stack.extend(children.get(pid, ()))
    return sum(r for _, r in parts), [(_comm(pid), r) for pid, r in parts if r]


@dataclass
class Measured:
    label: str
    seconds: float
    peak_rss: int
    returncode: int
    log: Path
    at_peak: list[tuple[str, int]] = field(default_factory=list)
    all_seconds: list[float] = field(default_factory=list)
    stages: list[tuple[str, float]] = field(default_factory=list)
    models: list[tuple[str, float]] = field(default_factory=list)
    parts: str = ""  # the dbt build by part of the job (bench/dbt_parts.py), a Markdown table


def measure(label: str, cmd: list[str], env: dict[str, str], log: Path, interval: float = 0.2) -> Measured:
    """Run `cmd` to completion; wall time and peak RSS of its whole process tree."""
    log.parent.mkdir(parents=True, exist_ok=True)
    peak, at_peak = 0, []
    with open(log, "wb") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
        done = threading.Event()

        def poll() -> None:
            nonlocal peak, at_peak
            while not done.is_set():
                total, parts = tree_rss(proc.pid)
                if total > peak:
                    peak, at_peak = total, parts
                done.wait(interval)

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        rc = proc.wait()
        seconds = time.perf_counter() - t0
        done.set()
        poller.join()
    m = Measured(label, seconds, peak, rc, log, at_peak)
    print(
        f"  {label}: {seconds:.1f} s, peak RSS {gib(peak)} ({peak_parts(m)}), exit {rc}  (log: {rel(log)})", flush=True
    )
    if rc != 0:
        print(log.read_text(errors="replace")[-4000:], file=sys.stderr)
        raise SystemExit(f"{label} failed (exit {rc}); see {log}")
    return m


def peak_parts(m: Measured) -> str:
    return ", ".join(f"{name} {gib(r)}" for name, r in sorted(m.at_peak, key=lambda x: -x[1]))


def gib(n: int) -> str:
    return f"{n / 1024**3:.2f} GiB"


def rel(p: Path) -> str:
    try:
        return str(p.relative_to(REPO))
    except ValueError:
        return str(p)


# --- the data -----------------------------------------------------------------------------------------------


def generator_fingerprint() -> str:
    """A digest of what decides the generated extracts: the generator package (pipelines/demo_data/), and the
    vocabulary it imports: the contract's column tables (schemas/) and the code-list seeds they read."""
    seeds = REPO / "dbt_project" / "seeds"
    files = sorted((REPO / "pipelines" / "demo_data").glob("*.py")) + sorted((REPO / "schemas").glob("*.py"))
    files += [seeds / f"{name}.csv" for name in ("activity_types", "service_types", "sexes", "case_categories")]
    h = hashlib.sha256()
    for p in files:
        h.update(rel(p).encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def ensure_extracts(cache: Path, scale: float) -> Path:
    """The generated extracts at `scale`, generated once (again only when the generator changed)."""
    raw = cache / f"raw-scale{scale:g}"
    stamp = raw / ".complete.json"
    want = {"scale": scale, "generator": generator_fingerprint()}
    if stamp.exists() and json.loads(stamp.read_text()) == want:
        print(f"extracts: {rel(raw)} (cached)")
        return raw
    print(f"extracts: generating scale {scale:g} into {rel(raw)} (once; scale 10 takes ~3 min) ...", flush=True)
    stamp.unlink(missing_ok=True)
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pipelines.demo_data", "--scale", f"{scale:g}", "--out", str(raw)],
        cwd=REPO,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    stamp.write_text(json.dumps(want))
    print(f"  generated in {time.perf_counter() - t0:.0f} s")
    return raw


def link_tree(src: Path, dst: Path) -> None:
    """dst/<kind>/<file> for every delivery of src: hard links (same content, no copy) or copies."""
    for kind in KINDS:
        (dst / kind).mkdir(parents=True, exist_ok=True)
        for p in sorted((src / kind).iterdir()):
            if p.is_file() and not p.name.startswith("."):
                try:
                    os.link(p, dst / kind / p.name)
                except OSError:
                    shutil.copy2(p, dst / kind / p.name)


def count_rows(folder: Path) -> int:
    n = 0
    for p in folder.glob("*.csv"):
        with open(p, "rb") as f:
            n += sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 24), b"")) - 1
    return n


def write_increment(raw: Path, rows: int, name: str = INCREMENT_NAME, prefix: str = "BENCH-") -> Path:
    """One new beneficiaries delivery of `rows` new services, dated in the latest year (a monthly delivery,
    issue 17): rows of the existing deliveries in reverse file-name order (the generator names them
    `beneficiaries_<year>_...`, so the latest year's first) under new service_ids, their dates and persons
    kept. Valid rows stay valid. (Before 2026-12-07's twelfth run the rows came in file-name order: the
    earliest year's.) Another `name` and service_id `prefix` make a further such delivery."""
    out = raw / "beneficiaries" / name
    written = 0
    with open(out, "w", newline="", encoding="utf-8") as fo:
        w = csv.writer(fo, lineterminator="\n")
        header_out = None
        for p in sorted((raw / "beneficiaries").glob("beneficiaries_*.csv"), reverse=True):
            if written >= rows:
                break
            with open(p, newline="", encoding="utf-8-sig", errors="strict") as fi:
                try:
                    r = csv.reader(fi)
                    header = [h.strip() for h in next(r)]
                    if "service_id" not in header or "extracted_at" not in header:
                        continue
                    if header_out is None:
                        header_out = header
                        w.writerow(header_out)
                    idx = {c: header.index(c) for c in header_out if c in header}
                    if len(idx) != len(header_out):
                        continue
                    for rec in r:
                        if len(rec) != len(header):
                            continue
                        row = [rec[idx[c]] for c in header_out]
                        row[header_out.index("service_id")] = prefix + row[header_out.index("service_id")]
                        w.writerow(row)
                        written += 1
                        if written >= rows:
                            break
                except UnicodeDecodeError:
                    continue
    return out


# --- stage times ----------------------------------------------------------------------------------------------


def dagster_stages(dagster_home: Path) -> tuple[str, list[tuple[str, float]]]:
    """(run id, [(step, seconds)]) of the latest run in DAGSTER_HOME, from its step events."""
    os.environ["DAGSTER_HOME"] = str(dagster_home)
    import dagster as dg

    with dg.DagsterInstance.get() as instance:
        run = instance.get_runs(limit=1)[0]
        stats = instance.get_run_step_stats(run.run_id)
    # a skipped step (the publish and pack steps of a refresh with nothing new) has no start time: not listed
    timed = [s for s in stats if s.start_time and s.end_time]
    out = [(s.step_key, s.end_time - s.start_time) for s in sorted(timed, key=lambda s: s.start_time)]
    return run.run_id, out


def dbt_run_results(run_id: str) -> dict | None:
    """run_results.json of the run's dagster-dbt invocation, if it ran dbt."""
    found = sorted((REPO / "dbt_project" / "target").glob(f"review_dbt_assets-{run_id[:7]}-*/run_results.json"))
    return json.loads(found[-1].read_text()) if found else None


def dbt_models(run_results: dict | None, top: int = 8) -> list[tuple[str, float]]:
    """The slowest dbt nodes of a build."""
    if not run_results:
        return []
    nodes = [(r["unique_id"].split(".", 2)[-1], float(r.get("execution_time") or 0)) for r in run_results["results"]]
    return sorted(nodes, key=lambda x: -x[1])[:top]


# --- the runs -------------------------------------------------------------------------------------------------


def refresh_env(work: Path, memory_limit: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REVIEW_")}
    if memory_limit:
        env["REVIEW_DUCKDB_MEMORY_LIMIT"] = memory_limit
    env.update(
        REVIEW_RAW_DIR=str(work / "raw"),
        REVIEW_LAKE_DIR=str(work / "lake"),
        REVIEW_WAREHOUSE=str(work / "warehouse" / "review.duckdb"),
        REVIEW_PSEUDONYM_KEY=BENCH_KEY,
        DAGSTER_HOME=str(work / "dagster_home"),
        PYTHONWARNINGS="ignore",
    )
    return env


def run_refresh(label: str, work: Path, log_name: str, memory_limit: str | None = None) -> Measured:
    cmd = [str(VENV_BIN / "dagster"), "asset", "materialize", "-m", "pipelines", "--select", "*"]
    m = measure(label, cmd, refresh_env(work, memory_limit), work / "logs" / log_name)
    run_id, m.stages = dagster_stages(work / "dagster_home")
    run_results = dbt_run_results(run_id)
    m.models = dbt_models(run_results)
    m.parts = dbt_parts.table(run_results) if run_results else ""
    return m


def run_baseline(work: Path) -> Measured:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REVIEW_")}
    cmd = [sys.executable, "-m", "bench.baseline", str(work / "raw"), str(work / "baseline_values.parquet")]
    m = measure("baseline", cmd, env, work / "logs" / "baseline.log")
    for line in m.log.read_text().splitlines():
        if line.startswith("stage "):
            _, name, secs = line.split()
            m.stages.append((name, float(secs)))
    return m


def run_floor(work: Path) -> Measured:
    """bench/floor.py on the same extracts: parse once, HMAC of the distinct case numbers, distinct counts."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REVIEW_")}
    cmd = [sys.executable, "-m", "bench.floor", str(work / "raw")]
    m = measure("floor", cmd, env, work / "logs" / "floor.log")
    for line in m.log.read_text().splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == "floor" and parts[1] != "distinct_case_numbers":
            m.stages.append((parts[1], float(parts[2])))
    return m


def compare_with_baseline(work: Path) -> tuple[int, int, list[str]]:
    """(agreeing, total, first disagreements): baseline values vs the warehouse (years and window)."""
    import duckdb

    baseline_sql = str(work / "baseline_values.parquet").replace("'", "''")
    con = duckdb.connect(str(work / "warehouse" / "review.duckdb"), read_only=True)
    try:
        rows = con.execute(
            f"""
            with wh as (
                select indicator_code, cast(year as varchar) as period, value from marts.fct_indicator_values
                union all
                select indicator_code, window_start || '-' || window_end, value from marts.fct_indicator_window
            ),
            b as (select indicator_code, period, value from read_parquet('{baseline_sql}'))
            select coalesce(wh.indicator_code, b.indicator_code), coalesce(wh.period, b.period), wh.value, b.value,
                   (wh.value is null and b.value is null) or abs(wh.value - b.value) <= 1e-6 * greatest(1, abs(b.value))
            from wh full join b using (indicator_code, period)
            order by 1, 2
            """
        ).fetchall()
    finally:
        con.close()
    bad = [f"{r[0]} {r[1]}: warehouse {r[2]}, baseline {r[3]}" for r in rows if not r[4]]
    return len(rows) - len(bad), len(rows), bad[:10]


# --- the report -----------------------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    mem = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) * 1024
    model = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    import duckdb
    import polars

    def ver(pkg: str) -> str:
        from importlib.metadata import version

        return version(pkg)

    return {
        "cores": str(os.cpu_count()),
        "memory": f"{mem / 1024**3:.1f} GiB",
        "cpu": model,
        "os": platform.platform(),
        "python": platform.python_version(),
        "versions": f"duckdb {duckdb.__version__}, polars {polars.__version__}, dagster {ver('dagster')}, "
        f"dbt-core {ver('dbt-core')}, dbt-duckdb {ver('dbt-duckdb')}, pandera {ver('pandera')}",
    }


def report(
    scale: float,
    rows: dict[str, int],
    base: Measured,
    full: Measured,
    inc: Measured,
    agree: tuple[int, int, list[str]],
    info: dict[str, str],
    inc_rows: int,
    noop: Measured,
    floor: Measured,
) -> str:
    ratio = full.seconds / base.seconds
    floor_s = dict(floor.stages).get("total", 0.0) or float("nan")
    peak = max(full.peak_rss, inc.peak_rss)
    dbt_full = dict(full.stages).get("review_dbt_assets", 0.0)
    dbt_inc = dict(inc.stages).get("review_dbt_assets", 0.0)
    # The fixed cost of any refresh: the process (Python, Dagster, dbt start-up) and the dbt build, which
    # rebuilds the warehouse from the whole lake whatever changed. The variable part is the rest.
    inc_variable = inc.seconds - dbt_inc - overhead(inc)
    ok = lambda b: "**met**" if b else "**not met**"  # noqa: E731
    lines = [
        f"# Benchmark {dt.date.today().isoformat()}: scale {scale:g}",
        "",
        f"Machine: {info['cores']} cores ({info['cpu']}), {info['memory']} memory; {info['os']}; "
        f"Python {info['python']}; {info['versions']}.",
        "",
        f"Data: scale {scale:g} synthetic extracts (`pipelines/demo_data/`): "
        + ", ".join(f"{rows[k]:,} {k} rows" for k in KINDS)
        + f"; the +1% file adds {inc_rows:,} beneficiary rows.",
        "",
        "| run | wall time | peak RSS (process tree) | vs baseline |",
        "|---|---:|---:|---:|",
        f"| baseline: `bench/baseline.sql`, one DuckDB process (fastest of {len(base.all_seconds)}) | {base.seconds:.1f} s | {gib(base.peak_rss)} | 1.00× |",
        f"| full refresh: `dagster asset materialize -m pipelines --select '*'` | {full.seconds:.1f} s | {gib(full.peak_rss)} | {ratio:.2f}× |",
        f"| refresh after one new 1% file | {inc.seconds:.1f} s | {gib(inc.peak_rss)} | {inc.seconds / base.seconds:.2f}× |",
        f"| refresh with nothing new (not rebuilt) | {noop.seconds:.1f} s | {gib(noop.peak_rss)} | {noop.seconds / base.seconds:.2f}× |",
        "",
        "The floor (`bench/floor.py`, same extracts, one process, each step timed alone): "
        + ", ".join(f"{n} {v:.1f} s" for n, v in floor.stages)
        + f" (process wall time {floor.seconds:.1f} s, peak RSS {gib(floor.peak_rss)}). Full refresh = "
        f"{full.seconds / floor_s:.1f}× the floor, +1% file {inc.seconds / floor_s:.1f}×, nothing new "
        f"{noop.seconds / floor_s:.1f}×.",
        "",
        f"Peak RSS by process at the moment of the peak: full refresh: {peak_parts(full)}; +1% file: "
        f"{peak_parts(inc)}; baseline: {peak_parts(base)}.",
        "",
        "Per stage (Dagster step events; the rest of the wall time is process start-up: Python, Dagster, "
        "loading the code location):",
        "",
        "| stage | full refresh | +1% file |",
        "|---|---:|---:|",
    ]
    inc_st = dict(inc.stages)
    names = {
        "ingest_projects": "read/validate projects",
        "ingest_expenditures": "read/validate expenditures",
        "ingest_beneficiaries": "read/validate beneficiaries",
        "review_dbt_assets": "dbt build",
        "warehouse": "publish",
    }
    for step, secs in full.stages:
        lines.append(f"| {names.get(step, step)} (`{step}`) | {secs:.1f} s | {inc_st.get(step, 0.0):.1f} s |")
    lines += [
        f"| process start-up and other (wall - steps) | {overhead(full):.1f} s | {overhead(inc):.1f} s |",
        "",
        "Slowest dbt nodes (run_results.json, full refresh): " + ", ".join(f"{n} {s:.1f} s" for n, s in full.models),
        "",
    ]
    for m, which in ((full, "full refresh"), (inc, "+1% file")):
        if m.parts:
            lines += [
                f"The dbt build of the {which} by part of the job (`bench/dbt_parts.py`: the wall time split between "
                "the nodes running at each instant):",
                "",
                m.parts,
                "",
            ]
    lines += [
        "Baseline: fastest of "
        + ", ".join(f"{s:.1f} s" for s in base.all_seconds)
        + "; its stages: "
        + ", ".join(f"{n} {s:.1f} s" for n, s in base.stages),
        "",
        f"Baseline and warehouse agree on {agree[0]} of {agree[1]} indicator values (every indicator, every "
        "year and the window)" + (": " + "; ".join(agree[2]) if agree[2] else "."),
        "",
        "## Targets",
        "",
        f"Issue 17: full refresh ≤ 5× the floor: {full.seconds / floor_s:.1f}× ({full.seconds:.1f} s vs "
        f"{floor_s:.1f} s): {ok(full.seconds <= 5 * floor_s)}; faster than the baseline: {ratio:.2f}×: "
        f"{ok(full.seconds < base.seconds)}; +1% file ≤ 15% of the full refresh: "
        # one decimal: a whole percent would print 15.3% as "15%: not met"
        f"{100 * inc.seconds / full.seconds:.1f}%: {ok(inc.seconds <= 0.15 * full.seconds)}; peak RSS ≤ 2 GiB: "
        f"{ok(max(full.peak_rss, inc.peak_rss) <= TARGET_PEAK_RSS)}.",
        "",
        "Issues 6 and 12:",
        "",
        f"- Full refresh ≤ 2.5× the baseline: {ratio:.2f}× ({full.seconds:.1f} s vs {base.seconds:.1f} s): "
        f"{ok(ratio <= TARGET_FULL_VS_BASELINE)}.",
        f"- Peak RSS ≤ 2 GiB: {gib(peak)} (largest of the two refreshes): {ok(peak <= TARGET_PEAK_RSS)}.",
        f"- Refresh after one 1% file ≤ 10% of the full refresh plus a fixed cost: {inc.seconds:.1f} s, "
        f"{100 * inc.seconds / full.seconds:.0f}% of the full refresh. Fixed cost {overhead(inc) + dbt_inc:.1f} s: "
        f"process start-up {overhead(inc):.1f} s and the dbt build {dbt_inc:.1f} s, which recomputes the winning "
        f"versions, person counts, breakdown record counts, repeated agree keys and superseded rows of the touched "
        f"services and persons only, checks uniqueness over what it wrote and runs no unit test, but still rebuilds the other "
        f"models and runs the other data tests over the whole warehouse (the full refresh's took {dbt_full:.1f} s). "
        f"The rest, "
        f"{inc_variable:.1f} s ({100 * inc_variable / full.seconds:.1f}% of the full refresh), is the part that "
        f"depends on the change: the new file validated, the cached deliveries recognised by their hash, "
        f"publishing: {ok(inc_variable <= TARGET_INCREMENT_SHARE * full.seconds)} with that fixed cost; "
        f"{ok(inc.seconds <= TARGET_INCREMENT_SHARE * full.seconds)} if the dbt build is not counted as fixed "
        f"(part of its cost grows with the total volume, not with the change: see docs/performance.md).",
        f"- A refresh with nothing new under {TARGET_NOOP_SECONDS:.0f} s at scale 10, start-up included: "
        f"{noop.seconds:.1f} s at scale {scale:g} (steps: "
        + ", ".join(f"{names.get(k, k)} {v:.1f} s" for k, v in noop.stages)
        + f"; start-up and other {overhead(noop):.1f} s)"
        + (f": {ok(noop.seconds <= TARGET_NOOP_SECONDS)}." if scale == 10 else " (the target is for scale 10)."),
        "",
        "Baseline = the limit: the same row checks, re-delivery rule and core indicators, without "
        "pseudonymisation, the lake, audit tables, breakdowns, reconciliation, dbt tests or atomic publishing. "
        "Files are in the page cache for every run (generated just before, or read by the previous run).",
    ]
    return "\n".join(lines) + "\n"


def overhead(m: Measured) -> float:
    return max(0.0, m.seconds - sum(s for _, s in m.stages))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench.run", description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=float, default=10.0)
    ap.add_argument("--cache", type=Path, default=REPO / "bench" / "cache")
    ap.add_argument("--results", type=Path, default=REPO / "bench" / "results")
    ap.add_argument("--baseline-runs", type=int, default=2, help="baseline runs; the fastest counts")
    ap.add_argument("--no-write", action="store_true", help="print the table only")
    args = ap.parse_args(argv)

    cache = args.cache.resolve()
    raw = ensure_extracts(cache, args.scale)
    work = cache / f"run-scale{args.scale:g}"
    shutil.rmtree(work, ignore_errors=True)
    link_tree(raw, work / "raw")
    (work / "dagster_home").mkdir(parents=True)
    (work / "dagster_home" / "dagster.yaml").write_text("")  # default local storage, without the warning
    rows = {k: count_rows(work / "raw" / k) for k in KINDS}
    print(f"data: scale {args.scale:g}: " + ", ".join(f"{rows[k]:,} {k} rows" for k in KINDS), flush=True)

    # The baseline varies run to run (167-224 s at scale 10 on the reference machine): the fastest of
    # --baseline-runs runs is the limit the targets are measured against (the strict choice).
    bases = [run_baseline(work) for _ in range(max(1, args.baseline_runs))]
    base = min(bases, key=lambda m: m.seconds)
    base.all_seconds = [m.seconds for m in bases]
    floor = run_floor(work)
    full = run_refresh("full refresh", work, "full_refresh.log")
    agree = compare_with_baseline(work)
    inc_rows = round(0.01 * rows["beneficiaries"])
    write_increment(work / "raw", inc_rows)
    inc = run_refresh("refresh after +1% file", work, "increment_refresh.log")
    noop = run_refresh("refresh with nothing new", work, "noop_refresh.log")
    if "Nothing new since the published build" not in noop.log.read_text():
        print("warning: the refresh with nothing new rebuilt the warehouse (see its log)", file=sys.stderr)

    text = report(args.scale, rows, base, full, inc, agree, machine(), inc_rows, noop, floor)
    print()
    print(text)
    if not args.no_write:
        args.results.mkdir(parents=True, exist_ok=True)
        name = results_name(args.results, dt.date.today().isoformat(), args.scale)
        (args.results / name).write_text(text)
        print(f"written: {rel(args.results / name)}")
    return 0


def results_name(folder: Path, day: str, scale: float) -> str:
    """`<day>[-scale<S>].md`, or with b, c, ... after the day when a run of that day is already there: a
    second run never overwrites the first's (committed) results."""
    tail = "" if scale == 10 else f"-scale{scale:g}"
    for suffix in ["", *"bcdefghijklmnopqrstuvwxyz"]:
        name = f"{day}{suffix}{tail}.md"
        if not (folder / name).exists():
            return name
    raise SystemExit(f"{folder}: 26 results files for {day} already; move some away")


if __name__ == "__main__":
    raise SystemExit(main())
