"""Operational plumbing of a refresh: one writer at a time, a refresh log, what a build is made of (a refresh
with nothing new is not rebuilt), and fault-injection points.

One writer: DuckDB allows one writing process, and two refreshes would also race on the lake's manifest.
Every asset of a run requires the `writer_lock` resource, which the in-process executor sets up once per
run: it takes an exclusive `flock` on `<warehouse>.lock` (and on the lake's lock file) for the whole run.
A second refresh waits for it (REVIEW_LOCK_WAIT_SECONDS, default 1800) and then gives up with a message
naming the holder. The operating system drops the lock when a process dies, even by SIGKILL.

Refresh log: `<warehouse>.refresh_log.jsonl`, one JSON object per event (started, published, failed),
appended under the lock. It survives a refresh that is never published, and the publish step loads it
into `audit.refresh_log` (`write_refresh_log`) so analysts see every attempt, published or not, with its
reason, and this refresh's files into `audit.refresh_files`.
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
import duckdb

from pipelines.build_file import sql_path
from pipelines.settings import Settings
from pipelines.warehouse_docs import comment_refresh_tables


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
    for another run to finish; unset (None), the settings' lock_wait_seconds (REVIEW_LOCK_WAIT_SECONDS as
    it is when the run starts, default 1800). `settings`: the run's `settings` resource."""

    settings: dg.ResourceDependency[Settings]
    wait_seconds: float | None = None

    @contextlib.contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext):
        settings = self.settings
        paths = sorted(
            {settings.warehouse.with_name(settings.warehouse.name + ".lock"), settings.lake_dir / ".refresh.lock"}
        )
        handles = []  # locks held
        run_id = context.run_id if context.dagster_run else "-"
        log = context.log
        wait_seconds = self.wait_seconds if self.wait_seconds is not None else settings.lock_wait_seconds
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


def unchanged_since_published(settings: Settings, fingerprint: dict) -> dict | None:
    """The last published refresh when it was built from exactly these inputs (files, editions, engine,
    code): then a new build would be the same, and the refresh stops here. Disable: REVIEW_ALWAYS_REBUILD=1."""
    if settings.always_rebuild:
        return None
    last = last_published(settings)
    if last and last.get("fingerprint") == fingerprint["digest"]:
        # ... and its review pack was written (a pack that failed is written again by a full refresh)
        if any(e.get("event") == "pack_written" for e in run_events(settings, last["run_id"])):
            return last
    return None


# --- the refresh log in the warehouse: audit.refresh_log and audit.refresh_files -------------------------------

REFRESH_DDL = """
create schema if not exists audit;
create or replace table audit.refresh_log (
    run_id varchar, started_at timestamp, finished_at timestamp, published boolean, reason varchar,
    raw_dir varchar
);
create table if not exists audit.refresh_files (
    run_id varchar, kind varchar, file_name varchar, status varchar, size_bytes bigint, sha256 varchar,
    rows_read bigint, rows_valid bigint, rows_rejected bigint, rows_held bigint, message varchar
);
"""


def refresh_log_rows(events: list[dict], current_run: str, finished_at: str) -> list[tuple]:
    """One row per refresh attempt from the event log; the current run is the one being published."""
    runs: dict[str, dict] = {}
    for e in events:
        r = runs.setdefault(
            e["run_id"], {"started_at": None, "finished_at": None, "published": False, "reason": None, "raw_dir": None}
        )
        if e["event"] == "started":
            r["started_at"] = r["started_at"] or e["at"]
            r["raw_dir"] = e.get("raw_dir")
        elif e["event"] == "published":
            r.update(finished_at=e["at"], published=True, reason="all blocking checks passed")
        elif e["event"] == "failed" and not r["published"]:
            r.update(finished_at=e["at"], reason=f"{e.get('stage', '')}: {e.get('reason', '')}")
        elif e["event"] == "unchanged" and not r["published"]:
            r.update(finished_at=e["at"], reason="nothing new since the published build: not rebuilt")
    cur = runs.setdefault(current_run, {"started_at": None, "raw_dir": None})
    cur.update(finished_at=finished_at, published=True, reason="all blocking checks passed")
    return [
        (
            run_id,
            r["started_at"],
            r["finished_at"],
            r["published"],
            r["reason"] or "did not finish: killed or stopped before publishing",
            r["raw_dir"],
        )
        for run_id, r in runs.items()
    ]


def _manifest_relation(con: duckdb.DuckDBPyConnection, settings: Settings) -> str:
    """The files of the current refresh (dbt's staging.stg_lake__manifest). A DuckDB build holds the view;
    a Spark build's view lives in Spark, so the same rows are read from the lake's manifest files."""
    if not settings.on_spark:
        return "staging.stg_lake__manifest"
    con.execute(
        "create temp table current_manifest as select kind, file_name, sha256, cache_key, size_bytes, status, "
        "message, rows_read, rows_valid, rows_rejected, from_cache "
        f"from read_parquet('{sql_path(settings.lake_dir)}/manifest/*.parquet', union_by_name = true)"
    )
    return "current_manifest"


def write_refresh_log(con: duckdb.DuckDBPyConnection, settings: Settings, run_id: str) -> dict:
    """Into the build (on `con`): every refresh attempt of the event log (audit.refresh_log) and the files of
    this one added to those of earlier refreshes (audit.refresh_files). Returns this refresh's file totals."""
    manifest = _manifest_relation(con, settings)
    con.execute(REFRESH_DDL)
    comment_refresh_tables(con)  # descriptions in DuckDB (pipelines/warehouse_docs.py)
    if settings.warehouse.exists():
        # Keep the file history of earlier refreshes (read-only attach: analysts may have the file open).
        con.execute(f"attach '{sql_path(settings.warehouse)}' as previous (read_only)")
        has_files = con.execute(
            "select count(*) from duckdb_tables() where database_name = 'previous' and schema_name = 'audit' "
            "and table_name = 'refresh_files'"
        ).fetchall()[0][0]
        if has_files:
            con.execute("insert into audit.refresh_files by name select * from previous.audit.refresh_files")
        con.execute("detach previous")
    con.executemany(
        "insert into audit.refresh_log values (?, ?, ?, ?, ?, ?)",
        refresh_log_rows(read_events(settings), run_id, now_utc()),
    )
    con.execute(
        f"""
        insert into audit.refresh_files
        select ?, m.kind, m.file_name, m.status, m.size_bytes, m.sha256, m.rows_read, m.rows_valid,
               m.rows_rejected, coalesce(h.n, 0), m.message
        from {manifest} as m
        left join (select kind, file_name, count(*) as n from audit.held_rows group by all) as h
            using (kind, file_name)
        """,
        [run_id],
    )
    totals = con.execute(
        """
        select count(*) filter (where status = 'loaded'), count(*) filter (where status = 'rejected'),
               count(*) filter (where status = 'ignored'), coalesce(sum(rows_valid), 0),
               coalesce(sum(rows_rejected), 0), coalesce(sum(rows_held), 0)
        from audit.refresh_files where run_id = ?
        """,
        [run_id],
    ).fetchall()[0]
    keys = ["files_loaded", "files_rejected", "files_ignored", "rows_valid", "rows_rejected", "rows_held"]
    return dict(zip(keys, (int(v) for v in totals)))


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
