"""Operational plumbing of a refresh: one writer at a time, a refresh log, and fault-injection points.

One writer: DuckDB allows one writing process, and two refreshes would also race on the lake's manifest.
Every asset of a run requires the `writer_lock` resource, which the in-process executor sets up once per
run: it takes an exclusive `flock` on `<warehouse>.lock` (and on the lake's lock file) for the whole run.
A second refresh waits for it (REVIEW_LOCK_WAIT_SECONDS, default 1800) and then gives up with a message
naming the holder. The operating system drops the lock when a process dies, even by SIGKILL.

Refresh log: `<warehouse>.refresh_log.jsonl`, one JSON object per event (started, published, failed),
appended under the lock. It survives a refresh that is never published, and the publish step loads it
into `audit.refresh_log` so analysts see every attempt, published or not, with its reason.
"""

import contextlib
import fcntl
import json
import os
import time
from datetime import datetime, timezone
from pathlib import Path

import dagster as dg

from pipelines.settings import Settings


def now_utc() -> str:
    return datetime.now(timezone.utc).replace(tzinfo=None).isoformat(timespec="milliseconds")


def refresh_log_path(settings: Settings) -> Path:
    return settings.warehouse.with_name(settings.warehouse.name + ".refresh_log.jsonl")


def log_event(settings: Settings, run_id: str, event: str, **fields) -> None:
    path = refresh_log_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps({"run_id": run_id, "event": event, "at": now_utc(), **fields}) + "\n")
        f.flush()
        os.fsync(f.fileno())


def read_events(settings: Settings) -> list[dict]:
    path = refresh_log_path(settings)
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        with contextlib.suppress(json.JSONDecodeError):  # a line cut by a crash is skipped
            out.append(json.loads(line))
    return out


def fault_point(stage: str) -> None:
    """Test hook: with REVIEW_FAULT_PAUSE_AT=<stage>, write `<stage>` to REVIEW_FAULT_MARKER and wait
    there, so a test can kill the refresh at a known point. Does nothing otherwise."""
    if os.environ.get("REVIEW_FAULT_PAUSE_AT") != stage:
        return
    marker = os.environ.get("REVIEW_FAULT_MARKER")
    if marker:
        Path(marker).write_text(stage)
    time.sleep(float(os.environ.get("REVIEW_FAULT_PAUSE_SECONDS", "600")))


class WriterLock(dg.ConfigurableResource):
    """Exclusive lock on the warehouse and the lake for the duration of a run."""

    wait_seconds: float = float(os.environ.get("REVIEW_LOCK_WAIT_SECONDS", "1800"))

    @contextlib.contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext):
        settings = Settings.from_env()
        paths = sorted({settings.warehouse.with_name(settings.warehouse.name + ".lock"), settings.lake_dir / ".refresh.lock"})
        handles = []  # locks held
        run_id = context.run_id if context.dagster_run else "-"
        log = context.log
        try:
            for p in paths:
                p.parent.mkdir(parents=True, exist_ok=True)
                fh = open(p, "a+", encoding="utf-8")
                deadline = time.monotonic() + self.wait_seconds
                waited = False
                while True:
                    try:
                        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        fh.seek(0)
                        holder = fh.read().strip() or "another refresh"
                        if time.monotonic() >= deadline:
                            fh.close()
                            raise dg.Failure(
                                f"Another refresh is writing ({holder}); this one waited {self.wait_seconds:.0f} s "
                                f"for {p} and gives up. Nothing was changed. Retry when it has finished."
                            ) from None
                        if not waited and log:
                            log.info(f"Waiting for {holder} to finish (lock {p}) ...")
                        waited = True
                        time.sleep(0.5)
                handles.append(fh)
                fh.seek(0)
                fh.truncate()
                fh.write(f"run {run_id}, pid {os.getpid()}, since {now_utc()}\n")
                fh.flush()
            log_event(settings, run_id, "started", raw_dir=str(settings.raw_dir))
            yield self
        finally:
            for fh in reversed(handles):
                with contextlib.suppress(OSError):
                    fh.truncate(0)
                    fcntl.flock(fh, fcntl.LOCK_UN)
                fh.close()
