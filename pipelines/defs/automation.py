"""What starts refreshes by itself: a nightly schedule, a pre-Council schedule from a calendar, a sensor on
the drop zone, and freshness checks that show a stale warehouse in the UI."""

import datetime as dt
import hashlib
import json
from pathlib import Path

import dagster as dg
import yaml

from pipelines.settings import Settings
from schemas import KINDS

REFRESH_JOB = "refresh"


def load_calendar(path: Path | None = None) -> dict:
    """The Council calendar at `path` (default: the settings' council_calendar, REVIEW_COUNCIL_CALENDAR)."""
    path = path or Settings.from_env().council_calendar
    data = yaml.safe_load(path.read_text()) or {}
    sessions = [
        {
            "name": s["name"],
            "date": s["date"] if isinstance(s["date"], dt.date) else dt.date.fromisoformat(str(s["date"])),
        }
        for s in data.get("sessions", [])
    ]
    return {"days_before": [int(d) for d in data.get("days_before", [7, 2])], "sessions": sessions}


def pre_council_dates(calendar: dict) -> dict[dt.date, str]:
    """The days on which a pre-Council refresh runs, each with the session it prepares."""
    out: dict[dt.date, str] = {}
    for s in calendar["sessions"]:
        for d in calendar["days_before"]:
            out[s["date"] - dt.timedelta(days=d)] = f"{s['name']} ({s['date']}, in {d} days)"
    return out


nightly_refresh = dg.ScheduleDefinition(
    name="nightly_refresh",
    job_name=REFRESH_JOB,
    cron_schedule="0 2 * * *",
    execution_timezone="UTC",
    description="Full refresh every night at 02:00 UTC.",
    default_status=dg.DefaultScheduleStatus.STOPPED,
)


@dg.schedule(
    name="pre_council_refresh",
    job_name=REFRESH_JOB,
    cron_schedule="0 6 * * *",
    execution_timezone="UTC",
    description="Refresh a few days before each Standing Committee and Council session (council_calendar.yaml).",
)
def pre_council_refresh(context: dg.ScheduleEvaluationContext):
    today = context.scheduled_execution_time.date()
    session = pre_council_dates(load_calendar()).get(today)
    if session is None:
        return dg.SkipReason(f"{today}: no session in the calendar is due a refresh today.")
    return dg.RunRequest(run_key=f"pre-council-{today}", tags={"review/reason": f"before {session}"})


def drop_zone_fingerprint(raw_dir: Path) -> tuple[str, int]:
    """A digest of (kind/name, size, mtime) of every file in the kind folders, and how many there are."""
    entries = []
    for kind in KINDS:
        folder = raw_dir / kind
        if folder.is_dir():
            for p in sorted(folder.iterdir()):
                if p.is_file() and not p.name.startswith("."):
                    st = p.stat()
                    entries.append([f"{kind}/{p.name}", st.st_size, st.st_mtime_ns])
    return hashlib.sha256(json.dumps(entries).encode()).hexdigest(), len(entries)


@dg.sensor(
    name="drop_zone_sensor",
    job_name=REFRESH_JOB,
    minimum_interval_seconds=60,
    description="Starts a refresh when extract files are added, changed or removed under $REVIEW_RAW_DIR.",
)
def drop_zone_sensor(context: dg.SensorEvaluationContext):
    digest, n = drop_zone_fingerprint(Settings.from_env().raw_dir)
    if digest == context.cursor:
        return dg.SkipReason(f"No change in the drop zone ({n} files).")
    context.update_cursor(digest)
    return dg.RunRequest(run_key=digest, tags={"review/reason": f"drop zone changed ({n} files)"})


FRESH_ASSETS = {
    dg.AssetKey(["marts", name])
    for name in (
        "fct_indicator_values",
        "fct_indicator_window",
        "fct_indicator_breakdown",
        "rpt_reconciliation",
    )
} | {dg.AssetKey(["warehouse"])}

# A nightly refresh plus slack: warn after 26 hours, fail after 50 (two missed nights).
FRESHNESS = dg.FreshnessPolicy.time_window(fail_window=dt.timedelta(hours=50), warn_window=dt.timedelta(hours=26))


def with_freshness(spec: dg.AssetSpec) -> dg.AssetSpec:
    """Attach the freshness policy to the marts analysts read and to the published warehouse."""
    return dg.apply_freshness_policy(spec, FRESHNESS) if spec.key in FRESH_ASSETS else spec
