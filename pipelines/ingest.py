"""Ingest: CSV extracts -> file checks -> pandera -> typed, pseudonymised Parquet in the lake.

One delivery file is validated once: its outputs are keyed by the SHA-256 of its content (plus the
pseudonym key's fingerprint and the ingest version), so a refresh re-reads only new or changed files.

This module runs the ingest of one kind (`ingest_kind`) and is the facade of the modules that do each
step; import the public names from here:
    pipelines/ingest_read.py     bounded CSV reading (records, fields, the limits)
    pipelines/ingest_validate.py the header, the pandera checks, rejects, valid rows typed for the lake
    pipelines/ingest_lake.py     the lake: layout, LAKE_SCHEMAS, cache keys, atomic writes, the manifest
    pipelines/pseudonymise.py    Pseudonymiser (beneficiary_id -> person_key)
The contract itself (columns, rules, lake types and parsers) is the column table of each kind in schemas/.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import json
import multiprocessing
import os
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import polars as pl

from pipelines import reject_context
from pipelines.dropzone import DropZoneMissing, check_drop_zone, list_kind_folder, root_entries_for
from pipelines.ingest_lake import (
    INGEST_VERSION,
    LAKE_SCHEMAS,
    MANIFEST_SCHEMA,
    REJECTS_SCHEMA,
    NotRegular,
    cache_key_of,
    ensure_lake,
    list_deliveries,
    rekey_lake,
    sha256_of,
    sha_or_reason,
    write_atomic,
    write_json_atomic,
)
from pipelines.ingest_read import MAX_COLUMNS, MAX_RECORD_BYTES, MAX_RECORD_LINES, FileRejected, read_records
from pipelines.ingest_validate import loaded_message, names_text, type_rows, validate_file
from pipelines.pseudonymise import Pseudonymiser
from pipelines.reject_values import VALUE_MAX
from schemas import CONTRACTS

# --- results --------------------------------------------------------------------------------------------


@dataclass
class FileResult:
    kind: str | None  # None: an entry of the drop zone itself (not in a kind's folder)
    file_name: str
    sha256: str
    cache_key: str
    size_bytes: int
    status: str  # loaded | rejected | ignored
    message: str | None = None
    rows_read: int = 0
    rows_valid: int = 0
    rows_rejected: int = 0
    from_cache: bool = False
    failures_by_check: dict[str, int] = field(default_factory=dict)
    ignored_columns: list[str] = field(default_factory=list)


@dataclass
@dataclass
class KindSummary:
    kind: str
    files: list[FileResult]
    warnings: list[str] = field(default_factory=list)  # e.g. the pseudonym key changed

    @property
    def not_read(self) -> list[FileResult]:
        """Entries of the drop zone that were not read (status ignored)."""
        return [f for f in self.files if f.status == "ignored"]

    @property
    def totals(self) -> dict[str, int]:
        loaded = [f for f in self.files if f.status == "loaded"]
        return {
            "files_loaded": len(loaded),
            "files_rejected": sum(f.status == "rejected" for f in self.files),
            "files_ignored": sum(f.status == "ignored" for f in self.files),
            "files_from_cache": sum(f.from_cache for f in loaded),
            "rows_read": sum(f.rows_read for f in loaded),
            "rows_valid": sum(f.rows_valid for f in loaded),
            "rows_rejected": sum(f.rows_rejected for f in loaded),
        }

    @property
    def failures_by_check(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for f in self.files:
            for k, v in f.failures_by_check.items():
                out[k] = out.get(k, 0) + v
        return dict(sorted(out.items()))


# --- ingesting one kind ---------------------------------------------------------------------------------


def ingest_workers() -> int:
    """Deliveries validated at the same time (REVIEW_INGEST_WORKERS through pipelines/settings.py; default:
    one per core, at most 2), when the caller gives no number (a refresh passes its settings')."""
    from pipelines.settings import ingest_workers_from_env

    return ingest_workers_from_env()


# Uncached deliveries of a kind adding up to this many bytes are validated in worker processes, one per
# ingest worker; fewer in threads of the refresh process. Validation holds the GIL for much of its time
# (the HMAC of each distinct case number, pandera's Python): two threads used ~1.7 of 2 cores at scale 10,
# two processes ~1.9 (docs/performance.md). Starting a worker process costs ~2 s (imports), which a small
# delivery does not repay. Either way each file gets the same function and the same lake files.
PROCESS_POOL_MIN_BYTES = 64 << 20


def _lake_paths(lake_dir: Path, kind: str, cache_key: str) -> tuple[Path, Path, Path, Path]:
    """(valid, rejects, stats, reject context) files of one delivery in the lake."""
    return (
        lake_dir / kind / "valid" / f"{cache_key}.parquet",
        lake_dir / kind / "rejects" / f"{cache_key}.parquet",
        lake_dir / kind / "stats" / f"{cache_key}.json",
        reject_context.context_path(lake_dir, kind, cache_key),
    )


def _cached_stats(lake_dir: Path, kind: str, cache_key: str) -> dict | None:
    """The stats of a delivery whose results the lake already holds complete, else None."""
    valid_p, rejects_p, stats_p, context_p = _lake_paths(lake_dir, kind, cache_key)
    if stats_p.exists():
        stats = json.loads(stats_p.read_text())
        if stats.get("rejected_file") or (valid_p.exists() and rejects_p.exists() and context_p.exists()):
            return stats
    return None


def _validate_to_lake(p: Path, kind: str, pseudonymiser: Pseudonymiser, cache_key: str, lake_dir: Path) -> dict:
    """The stats of one uncached delivery, validated and its results written to the lake. Runs in a thread
    of the refresh process or in an ingest worker process (arguments picklable: the kind, not its contract)."""
    valid_p, rejects_p, stats_p, context_p = _lake_paths(lake_dir, kind, cache_key)
    context: list = []
    try:
        valid, rejects, stats = validate_file(p, CONTRACTS[kind], pseudonymiser, cache_key, context)
        write_atomic(context[0], context_p)
        write_atomic(valid, valid_p)
        write_atomic(rejects, rejects_p)
        del valid, rejects
    except FileRejected as e:
        stats = {"rejected_file": str(e)}
    write_json_atomic(stats, stats_p)
    return stats


def _validation_pool(todo_bytes: int, workers: int, threads: Executor) -> contextlib.AbstractContextManager:
    """Where the uncached deliveries are validated: worker processes (spawned: polars' threads do not
    survive a fork) when there are enough bytes to repay their start, else the refresh process's threads."""
    if workers > 1 and todo_bytes >= PROCESS_POOL_MIN_BYTES:
        return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
    return contextlib.nullcontext(threads)


def release_memory() -> None:
    """Give freed memory back to the system after a kind is ingested: the refresh process stays alive
    beside the dbt build, and the peak of the whole process tree is what must fit (docs/performance.md).
    Python objects first, then glibc's free lists (polars' jemalloc returns its own: pipelines/__init__)."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to trim
        pass


def ingest_kind(
    kind: str, raw_dir: Path, lake_dir: Path, pseudonymiser: Pseudonymiser, log=None, warn=None, workers=None
) -> KindSummary:
    """Validate every delivery of one kind (re-using cached results by content) and write the manifest.

    Files are hashed by a small pool of threads (`ingest_workers`) and validated by as many threads or,
    for large deliveries, worker processes (PROCESS_POOL_MIN_BYTES); each distinct content is validated
    once, and results are reported in file-name order whatever the order they finish in."""
    warn = warn or log
    check_drop_zone(raw_dir, kind)
    ensure_lake(lake_dir)
    warnings: list[str] = []
    if (changed := rekey_lake(lake_dir, kind, pseudonymiser.fingerprint)) is not None:
        warnings.append(changed)
        if warn is not None:
            warn(changed)
    csvs, not_read = list_kind_folder(raw_dir, kind)
    results: list[FileResult] = []
    for nr in not_read:
        sha = sha256_of(nr.sha256_path) if nr.sha256_path is not None else ""
        results.append(FileResult(kind, nr.name, sha, "", nr.size_bytes, "ignored", nr.reason))
    for nr in root_entries_for(raw_dir, kind):
        results.append(
            FileResult(None, nr.name, "", "", nr.size_bytes, "ignored", f"in the drop zone {raw_dir}: {nr.reason}")
        )
    for r in results:
        if warn is not None:
            warn(f"{r.kind or 'drop zone'}/{r.file_name}: {r.message}")
    workers = workers or ingest_workers()
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"ingest-{kind}") as pool:
        hashed = list(pool.map(sha_or_reason, csvs))
        for p, (_, reason) in zip(csvs, hashed):
            if reason is not None:
                results.append(FileResult(kind, p.name, "", "", 0, "ignored", reason))
                if warn is not None:
                    warn(f"{kind}/{p.name}: {reason}")
        csvs = [p for p, (sha, _) in zip(csvs, hashed) if sha is not None]
        shas = [sha for sha, _ in hashed if sha is not None]
        keys = [cache_key_of(sha, pseudonymiser.fingerprint) for sha in shas]
        first_path = {}
        for p, key in zip(csvs, keys):
            first_path.setdefault(key, p)  # the same content under two names is validated once
        # (stats, from_cache) per content: the lake's results where complete, else a validation
        done = {key: (stats, True) for key in first_path if (stats := _cached_stats(lake_dir, kind, key)) is not None}
        todo = {key: p for key, p in first_path.items() if key not in done}
        with _validation_pool(sum(os.stat(p).st_size for p in todo.values()), workers, pool) as validators:
            futures = {
                key: validators.submit(_validate_to_lake, p, kind, pseudonymiser, key, lake_dir)
                for key, p in todo.items()
            }
            done |= {key: (f.result(), False) for key, f in futures.items()}
        for p, sha, cache_key in zip(csvs, shas, keys):
            res = FileResult(kind, p.name, sha, cache_key, os.stat(p).st_size, "loaded")
            stats, res.from_cache = done[cache_key]
            if first_path[cache_key] != p:
                res.from_cache = True
            if stats.get("rejected_file"):
                res.status, res.message = "rejected", stats["rejected_file"]
            else:
                res.rows_read, res.rows_valid, res.rows_rejected = (
                    stats["rows_read"],
                    stats["rows_valid"],
                    stats["rows_rejected"],
                )
                res.failures_by_check = stats["failures_by_check"]
                res.ignored_columns = stats["ignored_columns"]
                res.message = loaded_message(stats)
            if log is not None:
                word = (
                    "all rows rejected"
                    if res.status == "loaded" and res.rows_read and not res.rows_valid
                    else res.status
                )
                log(
                    f"{kind}/{p.name}: {word}"
                    + (f" ({res.message})" if res.message else "")
                    + (
                        ""
                        if res.status != "loaded"
                        else f", {res.rows_valid} valid / {res.rows_rejected} rejected of {res.rows_read} rows"
                        + (" [cached]" if res.from_cache else "")
                    )
                )
            results.append(res)
    manifest = pl.DataFrame(
        [{k: v for k, v in asdict(r).items() if k in MANIFEST_SCHEMA} for r in results], schema=MANIFEST_SCHEMA
    )
    write_atomic(manifest, lake_dir / "manifest" / f"{kind}.parquet")
    return KindSummary(kind, results, warnings)


__all__ = [
    "DropZoneMissing",
    "FileRejected",
    "FileResult",
    "MAX_COLUMNS",
    "MAX_RECORD_BYTES",
    "MAX_RECORD_LINES",
    "VALUE_MAX",
    "INGEST_VERSION",
    "KindSummary",
    "LAKE_SCHEMAS",
    "MANIFEST_SCHEMA",
    "NotRegular",
    "Pseudonymiser",
    "REJECTS_SCHEMA",
    "cache_key_of",
    "ensure_lake",
    "ingest_kind",
    "ingest_workers",
    "list_deliveries",
    "loaded_message",
    "names_text",
    "read_records",
    "rekey_lake",
    "release_memory",
    "sha256_of",
    "type_rows",
    "validate_file",
]
