"""`make refresh`: the full refresh job (what `dagster asset materialize -m pipelines --select '*'` runs),
with Dagster's and dbt's detail in a log file, ending in one screen a person reads.

    python -m pipelines.refresh

The screen: published or not and why, how many of the published figures hold, the files loaded /
rejected / contributing nothing, the top rejection reasons, every warning of this run (the refresh log's
"warning" events), where the warehouse, the pack and the log are. A fault of the machine (a full disk, a
folder without write permission, a process holding the published file for writing) ends in one line
saying what to do; the traceback is in the log. Exit status 0 when the warehouse is current (published,
or nothing new), 1 otherwise.

REVIEW_LOG_DIR  where the log files go (default: `logs/` beside the warehouse's folder, data/logs)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipelines.operations import environment_advice, read_events
from pipelines.settings import Settings

RULE = "=" * 78


def log_dir(settings: Settings) -> Path:
    """The settings' log_dir (REVIEW_LOG_DIR), or a temporary folder when it cannot be written."""
    folder = settings.log_dir
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".probe.{os.getpid()}"
        probe.write_text("")
        probe.unlink()
        return folder
    except OSError:  # a read-only data folder must not hide the real problem
        fallback = Path(tempfile.gettempdir()) / "review-logs"
        fallback.mkdir(parents=True, exist_ok=True)
        return fallback


@contextlib.contextmanager
def output_to(path: Path):
    """Send everything this process and its children write to stdout/stderr (Dagster's events, dbt's
    output, warnings) to `path`, at the file-descriptor level; restore afterwards."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(path, "ab", buffering=0) as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


@dataclass
class Outcome:
    run_id: str
    success: bool
    seconds: float
    errors: list[str] = field(default_factory=list)  # step failures: message (with cause) each


def _error_text(err) -> str:
    parts = []
    while err is not None:
        parts.append(err.message.strip())
        parts += [c.message.strip() for c in (getattr(err, "context", None),) if c is not None]
        err = getattr(err, "cause", None)
    return "\n".join(parts)


def run_refresh_job() -> Outcome:
    """The `refresh` job in this process, recorded in DAGSTER_HOME when it is set."""
    import dagster as dg

    from pipelines.definitions import defs

    instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()
    t = time.perf_counter()
    result = defs.resolve_job_def("refresh").execute_in_process(instance=instance, raise_on_error=False)
    errors = []  # step failures first; then errors outside any step (e.g. a resource that failed to start)
    for e in result.all_events:
        err = getattr(e.event_specific_data, "error", None) if e.event_specific_data else None
        if e.is_step_failure:
            errors.insert(
                sum(1 for x in errors if x.startswith("step ")),
                f"step {e.step_key}: {_error_text(err) if err else e.message}",
            )
        elif err is not None:
            errors.append(f"{e.event_type_value}: {_error_text(err)}")
    if not result.success and not errors:
        errors.append("the run failed before any step ran (see the log)")
    return Outcome(result.run_id, result.success, time.perf_counter() - t, errors)


def _one_line(text: str, limit: int = 400) -> str:
    line = " ".join(text.split())
    for prefix in ("dagster._core.definitions.events.Failure: ", "Failure: "):
        line = line.replace(prefix, "")
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _query(path: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _plausibility_line(path: Path) -> str:
    """'Plausibility flags: N high, N medium, N low (marts.rpt_plausibility)' of the published file."""
    from pipelines.publication import plausibility

    con = duckdb.connect(str(path), read_only=True)
    try:
        return plausibility.summary_line(con)
    finally:
        con.close()


def _lake_files(settings: Settings) -> list[dict]:
    """The files of this refresh (the lake's manifests, written by the ingest steps)."""
    import polars as pl

    rows = []
    for m in sorted((settings.lake_dir / "manifest").glob("*.parquet")):
        with contextlib.suppress(Exception):
            rows += pl.read_parquet(m).to_dicts()
    return rows


def status_of_run(events: list[dict], outcome: Outcome) -> tuple[str, str]:
    """('published' | 'unchanged' | 'not published', why)."""
    kinds = [e["event"] for e in events]
    if "published" in kinds:
        stale = [e for e in events if e["event"] == "warning" and e.get("stage") == "review pack"]
        if stale:
            return "pack stale", stale[0]["message"]
        return "published", "every blocking check passed"
    if "unchanged" in kinds:
        return "unchanged", next(e["message"] for e in events if e["event"] == "unchanged")
    failed = [e for e in events if e["event"] == "failed"]
    if failed:
        return "not published", f"{failed[0].get('stage', '')}: {failed[0].get('reason', '')}"
    return "not published", outcome.errors[0] if outcome.errors else "the run failed before publishing"


def summary(settings: Settings, outcome: Outcome, log_path: Path) -> tuple[str, bool]:
    """The screen after a refresh, and whether the warehouse is current (published or unchanged)."""
    events = [e for e in read_events(settings) if e.get("run_id") == outcome.run_id]
    status, why = status_of_run(events, outcome)
    ok = (status == "published" and outcome.success) or status == "unchanged"
    lines = ["", RULE]
    head = {
        "published": "PUBLISHED",
        "pack stale": "PUBLISHED, PACK STALE",
        "unchanged": "NOTHING NEW (not rebuilt)",
        "not published": "NOT PUBLISHED",
    }[status]
    lines.append(f"Refresh {outcome.run_id[:8]} in {outcome.seconds:.0f} s: {head}")
    lines.append(f"  {_one_line(why, 600)}")
    if status == "published" and not outcome.success:
        lines.append(f"  (the run shows failed: {_one_line(outcome.errors[0] if outcome.errors else '', 300)})")
    files = _lake_files(settings)
    if files:
        by_status: dict[str, int] = {}
        for f in files:
            by_status[f.get("status") or "?"] = by_status.get(f.get("status") or "?", 0) + 1
        nothing = [f for f in files if f.get("status") == "loaded" and not f.get("rows_valid")]
        counts = ", ".join(f"{n} {s}" for s, n in sorted(by_status.items(), key=lambda kv: (kv[0] != "loaded", kv[0])))
        lines.append(f"Files of this refresh: {counts}; {len(nothing)} loaded but contributing nothing (no valid row)")
        for f in nothing[:5]:
            lines.append(
                f"  contributes nothing: {f['kind']}/{f['file_name']} ({f.get('rows_rejected') or 0} rows rejected)"
            )
        for f in [f for f in files if f.get("status") == "rejected"][:5]:
            lines.append(f"  rejected: {f['kind']}/{f['file_name']}: {_one_line(f.get('message') or '', 160)}")
    if settings.warehouse.exists():
        try:
            holding, figures = _query(
                settings.warehouse, "select count(*) filter (where holds), count(*) from marts.rpt_reconciliation"
            )[0]
            reasons = _query(
                settings.warehouse,
                "select kind, check_name, count(*) as n from audit.rejected_rows "
                "group by all order by n desc, 1, 2 limit 5",
            )
            rejected = _query(
                settings.warehouse,
                "select count(*) from (select distinct kind, file_name, row_number from audit.rejected_rows)",
            )[0][0]
            which = (
                "this build" if status in ("published", "pack stale") else "the published warehouse (an earlier build)"
            )
            lines.append(f"Published figures holding: {holding} of {figures} ({which}; marts.rpt_reconciliation)")
            failing = _query(
                settings.warehouse,
                "select indicator_code, period, published_value, computed_value "
                "from marts.rpt_reconciliation where not holds order by 1, 2",
            )
            lines += [f"  does not hold: {c} {p}: published {pv:,.0f}, computed {cv}" for c, p, pv, cv in failing[:5]]
            if len(failing) > 5:
                lines.append(
                    f"  ... and {len(failing) - 5} more: select * from marts.rpt_reconciliation where not holds"
                )
            lines.append(f"Rejected rows: {rejected:,} (audit.rejected_rows); top reasons:")
            lines += [f"  {n:>9,}  {k}: {c}" for k, c, n in reasons] or ["  none"]
            lines.append(_plausibility_line(settings.warehouse))
        except duckdb.Error as e:
            lines.append(f"The published warehouse could not be read: {_one_line(str(e), 200)}")
    warnings = [
        e
        for e in events
        if e["event"] == "warning" and not (status == "pack stale" and e.get("stage") == "review pack")
    ]
    if warnings:
        lines.append(f"Warnings of this run ({len(warnings)}):")
        lines += [f"  {e.get('stage', '')}: {_one_line(str(e.get('message', '')), 300)}" for e in warnings]
    lines.append(f"Warehouse: {settings.warehouse}" + ("" if settings.warehouse.exists() else " (none published yet)"))
    lines.append("  open it read-only: make sql   (or duckdb.connect(path, read_only=True) in Python)")
    pack = settings.pack_dir / "review.html"
    state = " (STALE: an earlier build's)" if status == "pack stale" else "" if pack.exists() else " (none yet)"
    lines.append(f"Review pack: {pack}, {pack.with_suffix('.xlsx').name}{state}")
    lines.append(f"Log (Dagster and dbt detail): {log_path}")
    lines.append(RULE)
    return "\n".join(lines), ok


def environment_failure(settings: Settings, outcome: Outcome) -> str | None:
    """The one line to print when the run failed because of the machine, not the data or the code."""
    if outcome.success:
        return None
    return environment_advice("\n".join(outcome.errors), settings)


def refresh_and_report(settings: Settings | None = None) -> int:
    settings = settings or Settings.from_env()
    log_path = log_dir(settings) / f"refresh-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}-{os.getpid()}.log"
    print(f"Refreshing (detail: {log_path}) ...", flush=True)
    try:
        with output_to(log_path):
            outcome = run_refresh_job()
    except Exception as e:  # the job could not even start (e.g. the code location failed to load)
        import traceback

        with open(log_path, "a") as f:
            traceback.print_exc(file=f)
        advice = environment_advice(f"{type(e).__name__}: {e}", settings)
        print(advice or f"The refresh could not start: {_one_line(f'{type(e).__name__}: {e}', 300)}", file=sys.stderr)
        print(f"Details: {log_path}", file=sys.stderr)
        return 1
    advice = environment_failure(settings, outcome)
    published = any(e.get("event") == "published" and e.get("run_id") == outcome.run_id for e in read_events(settings))
    if advice and not published:
        print(f"NOT PUBLISHED. {advice}", file=sys.stderr)
        print(f"Details: {log_path}", file=sys.stderr)
        return 1
    text, ok = summary(settings, outcome, log_path)
    print(text)
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    import argparse

    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args(argv)
    return refresh_and_report()


if __name__ == "__main__":
    sys.exit(main())
