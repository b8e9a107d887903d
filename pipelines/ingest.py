"""Ingest: CSV extracts -> file checks -> pandera -> typed, pseudonymised Parquet in the lake.

One delivery file is validated once: its outputs are keyed by the SHA-256 of its content (plus the
pseudonym key's fingerprint and the ingest version), so a refresh re-reads only new or changed files.

Lake layout (REVIEW_LAKE_DIR):
    <kind>/valid/<cache_key>.parquet     valid rows, typed; personal data dropped, beneficiary_id hashed
    <kind>/rejects/<cache_key>.parquet   one row per failed check: row_number, column_name, check_name, value
    <kind>/reject_context/<cache_key>.parquet   per rejected row, the fields deciding what it would feed
                                         (pipelines/reject_context.py; never a personal-data value)
    <kind>/stats/<cache_key>.json        counts, failure counts by check, ignored columns
    manifest/<kind>.parquet              the files of the current refresh: name, hash, status, counts
Each valid/ and rejects/ folder also holds `empty.parquet` (no rows) so that a reader's glob always
matches even before the first delivery. (Not `_empty.parquet`: Spark and Hadoop skip files whose names
start with `_` or `.`, so such a placeholder would be invisible to a Spark build.)
"""

from __future__ import annotations

import codecs
import ctypes
import csv
import gc
import hashlib
import hmac
import json
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandera.errors as pe
import polars as pl

from schemas import CONTRACTS
from schemas._checks import (
    PANDERA_CHECK_NAMES,
    ExtractContract,
    parse_date,
    parse_decimal,
    parse_integer,
    parse_point_list,
    parse_timestamp,
)
from schemas.beneficiaries import SERVICE_TYPE_POINT

from pipelines import reject_context

# Bump when the lake's content for the same input would change (rules, typing, columns).
INGEST_VERSION = 2

# --- the typed shape of each kind in the lake (what dbt reads) -----------------------------------------

LAKE_SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "projects": {
        "cache_key": pl.String, "row_number": pl.Int64, "project_code": pl.String, "title": pl.String,
        "country_iso3": pl.String, "activity_type": pl.String, "strategy_points": pl.String,
        "primary_point": pl.Int32, "start_date": pl.Date, "end_date": pl.Date, "budget_usd": pl.Float64,
        "extracted_at": pl.Datetime("us"),
    },
    "expenditures": {
        "cache_key": pl.String, "row_number": pl.Int64, "project_code": pl.String, "year": pl.Int32,
        "expenditure_usd": pl.Float64, "extracted_at": pl.Datetime("us"),
    },
    "beneficiaries": {
        "cache_key": pl.String, "row_number": pl.Int64, "service_id": pl.String, "person_key": pl.String,
        "sex": pl.String, "age_band": pl.String, "service_type": pl.String, "strategy_point": pl.Int32,
        "service_date": pl.Date, "country_of_service": pl.String, "destination_country": pl.String,
        "case_category": pl.String, "project_code": pl.String, "extracted_at": pl.Datetime("us"),
    },
}  # fmt: skip

REJECTS_SCHEMA: dict[str, pl.DataType] = {
    "cache_key": pl.String, "row_number": pl.Int64, "column_name": pl.String, "check_name": pl.String,
    "value": pl.String,
}  # fmt: skip

MANIFEST_SCHEMA: dict[str, pl.DataType] = {
    "kind": pl.String, "file_name": pl.String, "sha256": pl.String, "cache_key": pl.String,
    "size_bytes": pl.Int64, "status": pl.String, "message": pl.String, "rows_read": pl.Int64,
    "rows_valid": pl.Int64, "rows_rejected": pl.Int64, "from_cache": pl.Boolean,
}  # fmt: skip

# --- pseudonymisation ----------------------------------------------------------------------------------


class Pseudonymiser:
    """HMAC-SHA256 of case numbers with a key from REVIEW_PSEUDONYM_KEY.

    The HMAC's inner and outer states are prepared once and copied per value (same result as
    `hmac.new(key, msg, sha256)`, about 3x faster), and each distinct case number is hashed once.
    """

    def __init__(self, key: str):
        k = key.encode("utf-8")
        if len(k) > 64:
            k = hashlib.sha256(k).digest()
        k = k.ljust(64, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in k))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in k))
        # A short public fingerprint of the key: part of the cache key, so a new key re-hashes everything.
        self.fingerprint = hmac.new(key.encode("utf-8"), b"review-key-fingerprint", hashlib.sha256).hexdigest()[:12]

    def digest(self, value: str) -> str:
        inner = self._inner.copy()
        inner.update(value.encode("utf-8"))
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest()

    def hash_series(self, s: pl.Series) -> pl.Series:
        uniq = s.unique()
        mapping = pl.DataFrame(
            {"v": uniq, "h": pl.Series([self.digest(v) for v in uniq.to_list()], dtype=pl.String)}
        )
        return s.to_frame("v").join(mapping, on="v", how="left", maintain_order="left")["h"]


# --- results --------------------------------------------------------------------------------------------


@dataclass
class FileResult:
    kind: str
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
class KindSummary:
    kind: str
    files: list[FileResult]

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


class FileRejected(Exception):
    """The file cannot be read as the contract says; the message tells a person what to fix."""


# --- reading a delivery ---------------------------------------------------------------------------------


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 24):
            h.update(chunk)
    return h.hexdigest()


def _check_utf8(path: Path) -> None:
    """Decode the whole file incrementally; report the first bad byte with its line number."""
    dec = codecs.getincrementaldecoder("utf-8")()
    line = 1
    with open(path, "rb") as f:
        while chunk := f.read(1 << 24):
            try:
                dec.decode(chunk)
            except UnicodeDecodeError as e:
                line += chunk.count(b"\n", 0, e.start)
                raise FileRejected(
                    f"not UTF-8: byte 0x{chunk[e.start]:02X} on line {line} cannot be decoded; "
                    "re-export the file as UTF-8 (a BOM is allowed)"
                ) from None
            line += chunk.count(b"\n")
        try:
            dec.decode(b"", final=True)
        except UnicodeDecodeError:
            raise FileRejected("not UTF-8: the file ends inside a multi-byte character") from None


def _python_csv_records(path: Path) -> tuple[list[str], pl.DataFrame]:
    """Exact RFC 4180 reading with the standard library (used when quoted fields span lines)."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f, strict=False)
        try:
            header = next(reader)
        except StopIteration:
            raise FileRejected("empty file: no header row; a file needs at least the header line") from None
        except csv.Error as e:
            raise FileRejected(f"not CSV: {e}") from None
        rows: list[list[str]] = []
        try:
            rows = list(reader)
        except csv.Error as e:
            raise FileRejected(f"not CSV: {e} (near record {reader.line_num})") from None
    n = len(header)
    cols = {
        f"__f{i}": pl.Series([r[i] if i < len(r) else None for r in rows], dtype=pl.String) for i in range(n)
    }
    df = pl.DataFrame(cols) if rows else pl.DataFrame(schema={f"__f{i}": pl.String for i in range(n)})
    df = df.with_columns(pl.Series("__fields", [len(r) for r in rows], dtype=pl.Int64))
    df = df.with_columns(pl.when(pl.col(f"__f{i}") == "").then(None).otherwise(pl.col(f"__f{i}")).alias(f"__f{i}") for i in range(n))
    return header, df


def read_records(path: Path) -> tuple[list[str], pl.DataFrame]:
    """Read a delivery as text: (header names as written, frame of `__f<i>` columns + `__fields`).

    Row i of the frame is CSV record i + 2 of the file (header = 1). `__fields` is the record's field
    count, quote-aware; a blank line has 0 fields. The fast path reads the file twice with polars: once
    as physical lines (to count fields) and once as CSV. When a quoted field spans lines the two do not
    align, and the standard library's csv reader is used instead.
    """
    if path.stat().st_size == 0:
        raise FileRejected("empty file: no header row; a file needs at least the header line")
    _check_utf8(path)
    try:
        lines = pl.read_csv(
            path, has_header=False, quote_char=None, separator="\x1f", infer_schema=False,
            new_columns=["line"], truncate_ragged_lines=True, raise_if_empty=False,
        )  # fmt: skip
    except Exception as e:  # noqa: BLE001 - any parser failure means "not CSV"
        raise FileRejected(f"not CSV: {e}") from None
    line = lines["line"]
    if line.len() == 0 or line[0] is None or line[0].strip("\ufeff \t\r") == "":
        raise FileRejected("no header row: the first line of the file is empty")
    quotes_balanced = (line.fill_null("").str.count_matches('"') % 2 == 0).all()
    if not quotes_balanced:
        return _python_csv_records(path)
    header = next(csv.reader([line[0].lstrip("\ufeff")]))
    n = len(header)
    fields = (
        line.slice(1).fill_null("").str.replace_all(r'"[^"]*"', "").str.count_matches(",").cast(pl.Int64) + 1
    )
    fields = pl.when(line.slice(1).is_null()).then(0).otherwise(fields)
    fields = pl.select(fields.alias("__fields")).to_series()
    del lines, line
    try:
        df = pl.read_csv(
            path, has_header=False, skip_rows=1, infer_schema=False, truncate_ragged_lines=True,
            new_columns=[f"__f{i}" for i in range(n)], raise_if_empty=False, missing_columns="insert",
            schema={f"__f{i}": pl.String for i in range(n)},
        )  # fmt: skip
    except Exception:  # noqa: BLE001 - e.g. a first record wider than the header: a bad row, not a bad file
        return _python_csv_records(path)
    if df.height != fields.len():
        # The two readers disagree (unusual quoting): trust the exact, slower reader.
        return _python_csv_records(path)
    return header, df.with_columns(fields)


# --- validation -----------------------------------------------------------------------------------------


def _map_header(header: list[str], contract: ExtractContract) -> tuple[dict[str, int], list[str]]:
    names = [h.strip().lstrip("\ufeff").strip() for h in header]
    seen: dict[str, int] = {}
    dupes = sorted({n for n in names if names.count(n) > 1 and n})
    if dupes:
        raise FileRejected(f"duplicate column names in the header: {', '.join(dupes)}; each column must appear once")
    for i, n in enumerate(names):
        seen[n] = i
    missing = [c for c in contract.required_columns if c not in seen]
    if missing:
        raise FileRejected(
            f"required column(s) missing: {', '.join(missing)}; the header has: {', '.join(names) or '(nothing)'}"
            f"; a {contract.kind} extract needs: {', '.join(contract.required_columns)}"
        )
    ignored = [n for n in names if n not in contract.column_names]
    return {c: seen[c] for c in contract.column_names if c in seen}, ignored


def validate_file(path: Path, contract: ExtractContract, pseudonymiser: Pseudonymiser, cache_key: str,
                  context: list | None = None):  # fmt: skip
    """Validate one delivery. Returns (valid typed frame, rejects frame, stats dict); appends the rejected
    rows' context (pipelines/reject_context.py) to `context` when given."""
    header, raw = read_records(path)
    colmap, ignored = _map_header(header, contract)
    n_header = len(header)
    raw = raw.with_columns(pl.int_range(2, raw.height + 2, dtype=pl.Int64).alias("__row"))
    raw = raw.filter(pl.col("__fields") > 0)  # blank lines are not records
    rows_read = raw.height
    bad_count = raw.filter(pl.col("__fields") != n_header)
    field_rejects = bad_count.select(
        pl.lit(cache_key).alias("cache_key"),
        pl.col("__row").alias("row_number"),
        pl.lit(None, pl.String).alias("column_name"),
        pl.lit("field_count").alias("check_name"),
        pl.format("{} fields, header has {}", pl.col("__fields"), pl.lit(n_header)).alias("value"),
    )
    rows = raw.filter(pl.col("__fields") == n_header)
    # The contract's columns as text; surrounding whitespace trimmed, empty = missing. Unknown columns
    # are never loaded (they could hold personal data).
    text = rows.select(
        [pl.col("__row")]
        + [
            (
                pl.col(f"__f{colmap[c]}").str.strip_chars().replace("", None)
                if c in colmap
                else pl.lit(None, pl.String)
            ).alias(c)
            for c in contract.column_names
        ]
    )
    del raw, rows
    try:
        contract.schema.validate(text, lazy=True)
        fc = None
    except pe.SchemaErrors as e:
        fc = e.failure_cases
    if fc is not None and fc.height:
        fc = fc.filter(pl.col("index").is_not_null())
        personal = list(contract.personal_columns)
        check_rejects = fc.select(
            pl.lit(cache_key).alias("cache_key"),
            text["__row"].gather(fc["index"].cast(pl.Int64)).alias("row_number"),
            pl.col("column").alias("column_name"),
            pl.col("check").replace(PANDERA_CHECK_NAMES).alias("check_name"),
            pl.when(pl.col("column").is_in(personal)).then(None).otherwise(pl.col("failure_case")).alias("value"),
        )
        bad_idx = fc["index"].unique().cast(pl.Int64)
        valid_text = text.with_row_index("__i").filter(~pl.col("__i").is_in(bad_idx.implode())).drop("__i")
    else:
        check_rejects = pl.DataFrame(schema=REJECTS_SCHEMA)
        valid_text = text
    rejects = pl.concat([field_rejects.cast(REJECTS_SCHEMA), check_rejects.cast(REJECTS_SCHEMA)]).sort(
        "row_number", "column_name", "check_name", nulls_last=False
    )
    if context is not None:
        context.append(reject_context.build(contract, text, check_rejects, pseudonymiser, cache_key))
    valid = _type(contract.kind, valid_text, pseudonymiser).with_columns(pl.lit(cache_key).alias("cache_key"))
    valid = valid.select([pl.col(c).cast(t) for c, t in LAKE_SCHEMAS[contract.kind].items()])
    stats = {
        "rows_read": rows_read,
        "rows_valid": valid.height,
        "rows_rejected": rejects["row_number"].n_unique() if rejects.height else 0,
        "failures_by_check": {
            r["check_name"]: r["len"] for r in rejects.group_by("check_name").len().sort("check_name").to_dicts()
        },
        "ignored_columns": ignored,
    }
    return valid, rejects, stats


def _type(kind: str, t: pl.DataFrame, pseudonymiser: Pseudonymiser) -> pl.DataFrame:
    """Valid text -> typed lake columns. Parse helpers are the ones the checks used."""
    c = pl.col
    common = [c("__row").alias("row_number"), parse_timestamp(c("extracted_at")).alias("extracted_at")]
    if kind == "projects":
        return t.select(
            *common, "project_code", "title", "country_iso3", "activity_type",
            # normalised "3;9" (sorted, no spaces)
            parse_point_list(c("strategy_points")).list.sort().cast(pl.List(pl.String)).list.join(";")
            .alias("strategy_points"),
            parse_integer(c("primary_point")).alias("primary_point"),
            parse_date(c("start_date")).alias("start_date"),
            parse_date(c("end_date")).alias("end_date"),
            parse_decimal(c("budget_usd")).alias("budget_usd"),
        )  # fmt: skip
    if kind == "expenditures":
        return t.select(
            *common, "project_code", parse_integer(c("year")).alias("year"),
            parse_decimal(c("expenditure_usd")).alias("expenditure_usd"),
        )  # fmt: skip
    # beneficiaries: age band at service from date_of_birth, then drop every personal-data column.
    dob = parse_date(c("date_of_birth"))
    sd = parse_date(c("service_date"))
    before_birthday = (sd.dt.month() < dob.dt.month()) | (
        (sd.dt.month() == dob.dt.month()) & (sd.dt.day() < dob.dt.day())
    )
    age = sd.dt.year() - dob.dt.year() - before_birthday.cast(pl.Int32)
    age_band = (
        pl.when(dob.is_null()).then(pl.lit("unknown"))
        .when(age < 18).then(pl.lit("0-17"))
        .when(age < 60).then(pl.lit("18-59"))
        .otherwise(pl.lit("60+"))
    )  # fmt: skip
    out = t.select(
        *common, "service_id", "beneficiary_id", "sex", age_band.alias("age_band"), "service_type",
        c("service_type").replace_strict(SERVICE_TYPE_POINT, default=None, return_dtype=pl.Int32)
        .alias("strategy_point"),
        sd.alias("service_date"), "country_of_service", "destination_country", "case_category", "project_code",
    )  # fmt: skip
    person_key = pseudonymiser.hash_series(out["beneficiary_id"]) if out.height else pl.Series([], dtype=pl.String)
    return out.with_columns(person_key.alias("person_key")).drop("beneficiary_id")


# --- the lake -------------------------------------------------------------------------------------------


def _write_atomic(df: pl.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    df.write_parquet(tmp, compression="zstd", statistics=True)
    os.replace(tmp, path)


def _write_json_atomic(obj: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(obj, indent=1, sort_keys=True))
    os.replace(tmp, path)


def ensure_lake(lake_dir: Path) -> None:
    """Create the lake folders with empty placeholder files, so readers' globs always match, and remove
    temporary files a killed refresh left behind (they are never read: readers match *.parquet)."""
    if lake_dir.exists():
        for tmp in lake_dir.rglob(".*.tmp"):
            tmp.unlink(missing_ok=True)
    for kind, schema in LAKE_SCHEMAS.items():
        for sub, sch in (("valid", schema), ("rejects", REJECTS_SCHEMA)):
            p = lake_dir / kind / sub / "empty.parquet"
            if not p.exists():
                _write_atomic(pl.DataFrame(schema=sch), p)
        reject_context.ensure_placeholders(lake_dir, _write_atomic)
        m = lake_dir / "manifest" / f"{kind}.parquet"
        if not m.exists():
            _write_atomic(pl.DataFrame(schema=MANIFEST_SCHEMA), m)


def list_deliveries(kind_dir: Path) -> tuple[list[Path], list[Path]]:
    """(csv files, other files) directly in a kind's folder, sorted by name. `.csv` in any letter case."""
    if not kind_dir.is_dir():
        return [], []
    files = sorted((p for p in kind_dir.iterdir() if p.is_file() and not p.name.startswith(".")), key=lambda p: p.name)
    return [p for p in files if p.suffix.lower() == ".csv"], [p for p in files if p.suffix.lower() != ".csv"]


def ingest_workers() -> int:
    """Deliveries validated at the same time (REVIEW_INGEST_WORKERS; default: one per core, at most 2).
    Validation is mostly polars work outside the GIL, yet one file keeps about one core busy."""
    value = os.environ.get("REVIEW_INGEST_WORKERS", "").strip()
    return max(1, int(value)) if value else max(1, min(2, os.cpu_count() or 1))


def _validate_to_lake(p: Path, contract: ExtractContract, pseudonymiser: Pseudonymiser, cache_key: str,
                      lake_dir: Path) -> tuple[dict, bool]:  # fmt: skip
    """(stats, from_cache) of one delivery: its cached results, or a validation whose results are written."""
    kind = contract.kind
    valid_p = lake_dir / kind / "valid" / f"{cache_key}.parquet"
    rejects_p = lake_dir / kind / "rejects" / f"{cache_key}.parquet"
    stats_p = lake_dir / kind / "stats" / f"{cache_key}.json"
    context_p, context = reject_context.context_path(lake_dir, kind, cache_key), []
    if stats_p.exists():
        stats = json.loads(stats_p.read_text())
        if stats.get("rejected_file") or (valid_p.exists() and rejects_p.exists() and context_p.exists()):
            return stats, True
    try:
        valid, rejects, stats = validate_file(p, contract, pseudonymiser, cache_key, context)
        _write_atomic(context[0], context_p)
        _write_atomic(valid, valid_p)
        _write_atomic(rejects, rejects_p)
        del valid, rejects
    except FileRejected as e:
        stats = {"rejected_file": str(e)}
    _write_json_atomic(stats, stats_p)
    return stats, False


def release_memory() -> None:
    """Give freed memory back to the system after a kind is ingested: the refresh process stays alive
    beside the dbt build, and the peak of the whole process tree is what must fit (docs/performance.md).
    Python objects first, then glibc's free lists (polars' jemalloc returns its own: pipelines/__init__)."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to trim
        pass


def ingest_kind(kind: str, raw_dir: Path, lake_dir: Path, pseudonymiser: Pseudonymiser, log=None) -> KindSummary:
    """Validate every delivery of one kind (re-using cached results by content) and write the manifest.

    Files are hashed and validated by a small pool of threads (`ingest_workers`); each distinct content
    is validated once, and results are reported in file-name order whatever the order they finish in."""
    contract = CONTRACTS[kind]
    ensure_lake(lake_dir)
    csvs, others = list_deliveries(raw_dir / kind)
    results: list[FileResult] = []
    for p in others:
        results.append(
            FileResult(kind, p.name, sha256_of(p), "", p.stat().st_size, "ignored", "not a .csv file: ignored")
        )
    with ThreadPoolExecutor(max_workers=ingest_workers(), thread_name_prefix=f"ingest-{kind}") as pool:
        shas = list(pool.map(sha256_of, csvs))
        keys = [f"{sha[:40]}-{pseudonymiser.fingerprint}-v{INGEST_VERSION}" for sha in shas]
        first_path = {}
        for p, key in zip(csvs, keys):
            first_path.setdefault(key, p)  # the same content under two names is validated once
        futures = {key: pool.submit(_validate_to_lake, p, contract, pseudonymiser, key, lake_dir)
                   for key, p in first_path.items()}  # fmt: skip
        for p, sha, cache_key in zip(csvs, shas, keys):
            res = FileResult(kind, p.name, sha, cache_key, p.stat().st_size, "loaded")
            stats, res.from_cache = futures[cache_key].result()
            if first_path[cache_key] != p:
                res.from_cache = True
            if stats.get("rejected_file"):
                res.status, res.message = "rejected", stats["rejected_file"]
            else:
                res.rows_read, res.rows_valid, res.rows_rejected = stats["rows_read"], stats["rows_valid"], stats["rows_rejected"]
                res.failures_by_check = stats["failures_by_check"]
                res.ignored_columns = stats["ignored_columns"]
                if res.ignored_columns:
                    res.message = f"unknown column(s) ignored, not loaded: {', '.join(res.ignored_columns)}"
            if log is not None:
                log(f"{kind}/{p.name}: {res.status}" + (f" ({res.message})" if res.message else "")
                    + ("" if res.status != "loaded" else f", {res.rows_valid} valid / {res.rows_rejected} rejected of {res.rows_read} rows"
                       + (" [cached]" if res.from_cache else "")))  # fmt: skip
            results.append(res)
    manifest = pl.DataFrame(
        [{k: v for k, v in asdict(r).items() if k in MANIFEST_SCHEMA} for r in results], schema=MANIFEST_SCHEMA
    )
    _write_atomic(manifest, lake_dir / "manifest" / f"{kind}.parquet")
    return KindSummary(kind, results)


def rejects_summary_text(summary: KindSummary) -> str:
    """One readable line per rejected file (used in logs and Dagster metadata)."""
    return "\n".join(f"{f.file_name}: {f.message}" for f in summary.files if f.status == "rejected")


__all__ = [
    "FileRejected", "FileResult", "INGEST_VERSION", "KindSummary", "LAKE_SCHEMAS",
    "MANIFEST_SCHEMA", "Pseudonymiser", "REJECTS_SCHEMA", "ensure_lake", "ingest_kind", "read_records",
    "validate_file",
]  # fmt: skip
