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
import hashlib
import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg

from pipelines.settings import Settings


def now_utc() -> str:
    return datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="milliseconds")


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
    """Exclusive lock on the warehouse and the lake for the duration of a run. It waits `wait_seconds`
    for another run to finish; unset (None), REVIEW_LOCK_WAIT_SECONDS as it is when the run starts
    (default 1800), not as it was when the code was imported."""

    wait_seconds: float | None = None

    @contextlib.contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext):
        settings = Settings.from_env()
        paths = sorted(
            {settings.warehouse.with_name(settings.warehouse.name + ".lock"), settings.lake_dir / ".refresh.lock"}
        )
        handles = []  # locks held
        run_id = context.run_id if context.dagster_run else "-"
        log = context.log
        wait_seconds = (
            self.wait_seconds
            if self.wait_seconds is not None
            else float(os.environ.get("REVIEW_LOCK_WAIT_SECONDS", "1800"))
        )
        try:
            for p in paths:
                p.parent.mkdir(parents=True, exist_ok=True)
                fh = open(p, "a+", encoding="utf-8")
                deadline = time.monotonic() + wait_seconds
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
                                f"Another refresh is writing ({holder}); this one waited {wait_seconds:.0f} s "
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


# --- what a build is made of: a refresh with nothing new is not rebuilt ----------------------------------------

# What decides a build's contents besides the files: the dbt project and the ingest code (validation,
# pseudonymisation, the lake's layout). The lake's cache keys carry the pseudonym key's fingerprint and
# INGEST_VERSION already; hashing the sources too catches a change that forgot to bump it.
CODE_GLOBS = (
    ("dbt_project", ("models", "macros", "seeds", "tests", "snapshots", "analyses")),
    # what decides the lake's content, and what writes the published outputs (the pack, the draft)
    (
        "pipelines",
        (
            "ingest.py",
            "ingest_read.py",
            "ingest_validate.py",
            "ingest_lake.py",
            "pseudonymise.py",
            "dropzone.py",
            "reject_values.py",
            "reject_context.py",
            "publication",
        ),
    ),
    ("schemas", (".",)),
)


def code_fingerprint() -> str:
    """SHA-256 of every file that decides the build (dbt models/macros/seeds/tests, dbt_project.yml,
    profiles.yml, the ingest modules, pipelines/publication/, schemas/) by path and content."""
    from pipelines.settings import REPO

    files: set[Path] = {REPO / "dbt_project" / "dbt_project.yml", REPO / "dbt_project" / "profiles.yml"}
    for top, subs in CODE_GLOBS:
        for sub in subs:
            base = REPO / top / sub
            if base.is_file():
                files.add(base)
            elif base.is_dir():
                files.update(p for p in base.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    h = hashlib.sha256()
    for p in sorted(files):
        if p.exists():
            h.update(str(p.relative_to(REPO)).encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def inputs_fingerprint(settings: Settings, editions_view: Path | None = None) -> dict:
    """What this refresh builds from: the lake manifest of each kind (file name, status, SHA-256 and cache
    key of every delivery: the key carries the pseudonym key's fingerprint and the ingest version), the
    editions a build reads (name and manifest digest), the engine and the code. Equal fingerprints give
    equal builds."""
    import polars as pl

    files = []
    for m in sorted((settings.lake_dir / "manifest").glob("*.parquet")):
        df = pl.read_parquet(m)
        cols = [c for c in ("kind", "file_name", "status", "sha256", "cache_key") if c in df.columns]
        # an entry of the drop zone that is not a kind's folder has kind NULL, an unread one no SHA-256
        files += [["" if v is None else v for v in r] for r in df.select(cols).rows()]
    from pipelines.publication.editions import _sha256  # the digest editions' manifests use

    editions = []
    if editions_view is not None and editions_view.is_dir():
        for d in sorted(editions_view.iterdir()):
            if d.is_dir():
                editions.append([d.name, sorted((f.name, _sha256(f)) for f in d.iterdir() if f.is_file())])
    body = {"files": sorted(files), "editions": editions, "engine": settings.dbt_target, "code": code_fingerprint()}
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()
    return {"digest": digest, "files": len(files), "editions": len(editions), "code": body["code"][:16]}


def last_published(settings: Settings) -> dict | None:
    """The refresh log's last `published` event (None when nothing was published or the file is gone)."""
    if not settings.warehouse.exists():
        return None
    published = [e for e in read_events(settings) if e.get("event") == "published"]
    return published[-1] if published else None


def run_events(settings: Settings, run_id: str) -> list[dict]:
    return [e for e in read_events(settings) if e.get("run_id") == run_id]


# --- what a failure of the environment means, in one line ------------------------------------------------------


def environment_advice(text: str, settings: Settings, retry: str = "refresh again") -> str | None:
    """One line saying what to do when `text` (an error message or traceback) shows a fault of the
    machine rather than of the data or code: a full disk, a folder without write permission, a process
    holding the published file for writing. None otherwise."""
    t = text.lower()
    folder = settings.warehouse.parent
    if "no space left on device" in t or "errno 28" in t or "disk is full" in t or "not enough space" in t:
        return f"The disk is full (writing under {folder} or {settings.lake_dir}): free space there and {retry}."
    if "could not set lock on file" in t or "conflicting lock" in t:
        return (
            f"Another process holds {settings.warehouse} open for writing (DuckDB allows one writer or many "
            f"readers): close that connection, or open it with read_only=True, and {retry}."
        )
    if "permission denied" in t or "read-only file system" in t or "errno 13" in t or "errno 30" in t:
        return (
            f"No permission to write under {folder} (or {settings.lake_dir}): make the folder writable for "
            f"this user (or point REVIEW_WAREHOUSE / REVIEW_LAKE_DIR elsewhere) and {retry}."
        )
    return None
