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
Each valid/ and rejects/ folder also holds `empty-v<INGEST_VERSION>.parquet` (no rows) so that a reader's
glob always matches even before the first delivery; dbt reads only valid files of the current version
(`*-v<INGEST_VERSION>.parquet`), so files an older ingest typed otherwise are never mixed in. (Not `_empty.parquet`: Spark and Hadoop skip files whose names
start with `_` or `.`, so such a placeholder would be invisible to a Spark build.)
"""

from __future__ import annotations

import ctypes
import gc
import hashlib
import hmac
import json
import os
import re
import stat
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandera.errors as pe
import polars as pl

from pipelines import reject_context
from pipelines.dropzone import DropZoneMissing, check_drop_zone, list_kind_folder, root_entries_for
from pipelines.ingest_read import MAX_COLUMNS, MAX_RECORD_BYTES, MAX_RECORD_LINES, FileRejected, read_records
from pipelines.reject_values import VALUE_MAX, recorded_values, withheld_rows
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

# Bump when the lake's content for the same input would change (rules, typing, columns).
# 4: amounts are DECIMAL(28, 6) (schemas._checks.MONEY), no longer Float64; hostile-input hardening.
INGEST_VERSION = 4

# --- the typed shape of each kind in the lake (what dbt reads) -----------------------------------------

LAKE_SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "projects": {
        "cache_key": pl.String,
        "row_number": pl.Int64,
        "project_code": pl.String,
        "title": pl.String,
        "country_iso3": pl.String,
        "activity_type": pl.String,
        "strategy_points": pl.String,
        "primary_point": pl.Int32,
        "start_date": pl.Date,
        "end_date": pl.Date,
        "budget_usd": pl.Decimal(28, 6),
        "extracted_at": pl.Datetime("us"),
    },
    "expenditures": {
        "cache_key": pl.String,
        "row_number": pl.Int64,
        "project_code": pl.String,
        "year": pl.Int32,
        "expenditure_usd": pl.Decimal(28, 6),
        "extracted_at": pl.Datetime("us"),
    },
    "beneficiaries": {
        "cache_key": pl.String,
        "row_number": pl.Int64,
        "service_id": pl.String,
        "person_key": pl.String,
        "sex": pl.String,
        "age_band": pl.String,
        "service_type": pl.String,
        "strategy_point": pl.Int32,
        "service_date": pl.Date,
        "country_of_service": pl.String,
        "destination_country": pl.String,
        "case_category": pl.String,
        "project_code": pl.String,
        "extracted_at": pl.Datetime("us"),
    },
}

REJECTS_SCHEMA: dict[str, pl.DataType] = {
    "cache_key": pl.String,
    "row_number": pl.Int64,
    "column_name": pl.String,
    "check_name": pl.String,
    "value": pl.String,
}

MANIFEST_SCHEMA: dict[str, pl.DataType] = {
    "kind": pl.String,
    "file_name": pl.String,
    "sha256": pl.String,
    "cache_key": pl.String,
    "size_bytes": pl.Int64,
    "status": pl.String,
    "message": pl.String,
    "rows_read": pl.Int64,
    "rows_valid": pl.Int64,
    "rows_rejected": pl.Int64,
    "from_cache": pl.Boolean,
}

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
        mapping = pl.DataFrame({"v": uniq, "h": pl.Series([self.digest(v) for v in uniq.to_list()], dtype=pl.String)})
        return s.to_frame("v").join(mapping, on="v", how="left", maintain_order="left")["h"]


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


# --- reading a delivery ---------------------------------------------------------------------------------


def sha256_of(path: Path) -> str:
    """SHA-256 of a regular file. Opened without blocking and checked after opening, so a file swapped
    for a FIFO or a device after the folder was listed is never read (NotRegular)."""
    h = hashlib.sha256()
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise NotRegular("not a regular file any more (it changed after the folder was listed): not read")
        while chunk := f.read(1 << 24):
            h.update(chunk)
    return h.hexdigest()


class NotRegular(Exception):
    """A delivery that is not a regular file when it is opened."""


def _sha_or_reason(path: Path) -> tuple[str | None, str | None]:
    try:
        return sha256_of(path), None
    except NotRegular as e:
        return None, str(e)
    except FileNotFoundError:
        return None, "removed while the refresh was reading the folder: not read"


# --- validation -----------------------------------------------------------------------------------------


# Column names a message may show: plain identifiers, short (letters and `_`, at most two digits at the
# end, at most 32 characters). Anything else in a header could be a value (a data row delivered without
# its header line, a document number), so it is counted, never shown.
_SHOWABLE_NAME = re.compile(r"^(?=.{1,32}$)[A-Za-z_]+[0-9]{0,2}$")
NAMES_SHOWN = 5


def names_text(names: list[str], limit: int = NAMES_SHOWN) -> str:
    """`a, b, c (+2 more)`: the showable names, cut to `limit`; other names only counted."""
    shown = [n for n in names if _SHOWABLE_NAME.match(n)]
    hidden = len(names) - len(shown)
    out = ", ".join(shown[:limit])
    if len(shown) > limit:
        out += f" (+{len(shown) - limit} more)"
    if hidden:
        out += ("; " if out else "") + f"{hidden} name(s) not shown (not plain column names)"
    return out


def _map_header(header: list[str], contract: ExtractContract) -> tuple[dict[str, int], list[str]]:
    """Header names -> (contract column -> field index, ignored names). Messages never copy the header:
    they name the contract's columns, counts, and unknown names only when they are plain identifiers."""
    names = [h.strip().lstrip("\ufeff").strip() for h in header]
    known = set(contract.column_names)
    needs = f"{contract.kind} extracts need: {', '.join(contract.required_columns)}"
    if len(names) > MAX_COLUMNS:
        raise FileRejected(f"the header has {len(names)} columns, more than the limit of {MAX_COLUMNS}")
    if not known.intersection(names):
        if any(";" in n for n in names) and known.intersection(x.strip() for n in names for x in n.split(";")):
            raise FileRejected(
                "the file looks semicolon-separated (its header has ';' between column names): the contract "
                "needs commas; export it again as 'CSV UTF-8 (comma delimited)', or set the list separator "
                f"to a comma; {needs}"
            )
        raise FileRejected(
            f"the first line does not look like a header: none of its {len(names)} field(s) is a column name "
            f"of {contract.kind} extracts (is the header line missing, or is this another kind of extract?); " + needs
        )
    counts = Counter(n for n in names if n)
    dupes = sorted(n for n, k in counts.items() if k > 1)
    if dupes:
        raise FileRejected(f"duplicate column names in the header: {names_text(dupes)}; each column must appear once")
    seen = {n: i for i, n in enumerate(names)}
    missing = [c for c in contract.required_columns if c not in seen]
    if missing:
        unknown = [n for n in names if n not in known]
        semicolon = (
            "; the header contains ';': if the file is semicolon-separated, export it with commas"
            if any(";" in n for n in names)
            else ""
        )
        raise FileRejected(
            f"required column(s) missing: {', '.join(missing)}; the header has {len(names)} column(s)"
            + (f", unknown: {names_text(unknown)}" if unknown else "")
            + semicolon
            + f"; {needs}"
        )
    ignored = [n for n in names if n not in known]
    return {c: seen[c] for c in contract.column_names if c in seen}, ignored


def validate_file(
    path: Path, contract: ExtractContract, pseudonymiser: Pseudonymiser, cache_key: str, context: list | None = None
):
    """Validate one delivery. Returns (valid typed frame, rejects frame, stats dict); appends the rejected
    rows' context (pipelines/reject_context.py) to `context` when given."""
    header, raw = read_records(path)
    colmap, ignored = _map_header(header, contract)
    n_header = len(header)
    rows_read = raw.height
    problems = raw.filter(pl.col("__problem").is_not_null())
    problem_rejects = problems.select(
        pl.lit(cache_key).alias("cache_key"),
        pl.col("__row").alias("row_number"),
        pl.lit(None, pl.String).alias("column_name"),
        pl.col("__problem").alias("check_name"),
        pl.lit(None, pl.String).alias("value"),
    )
    bad_count = raw.filter(pl.col("__problem").is_null() & (pl.col("__fields") != n_header))
    field_rejects = bad_count.select(
        pl.lit(cache_key).alias("cache_key"),
        pl.col("__row").alias("row_number"),
        pl.lit(None, pl.String).alias("column_name"),
        pl.lit("field_count").alias("check_name"),
        pl.format("{} fields, header has {}", pl.col("__fields"), pl.lit(n_header)).alias("value")
        + pl.when(pl.col("__lines") > 1)
        .then(pl.format(" (a quoted field spans {} lines)", pl.col("__lines")))
        .otherwise(pl.lit("")),
    )
    rows = raw.filter(pl.col("__problem").is_null() & (pl.col("__fields") == n_header))
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
    # `text`: the contract's columns as trimmed text (row i = record text["__row"][i]); bad_idx: indices of
    # the rows of `text` that failed a check; shifted_idx: those of them whose values are all withheld
    # (pipelines/reject_values.py) - a caller recording anything else about rejected rows skips them too.
    if fc is not None and fc.height:
        fc = fc.filter(pl.col("index").is_not_null()).with_columns(pl.col("index").cast(pl.Int64))
        shifted_idx = withheld_rows(fc, contract)
        check_rejects = fc.select(
            pl.lit(cache_key).alias("cache_key"),
            text["__row"].gather(fc["index"]).alias("row_number"),
            pl.col("column").alias("column_name"),
            pl.col("check").replace(PANDERA_CHECK_NAMES).alias("check_name"),
            recorded_values(fc, text, contract, shifted_idx).alias("value"),
        )
        date_hint = fc.filter(
            (pl.col("check") == "date_format") & pl.col("failure_case").str.contains(r"^\d{1,2}/\d{1,2}/\d{4}$")
        ).height
        bad_idx = fc["index"].unique()
        valid_text = text.with_row_index("__i").filter(~pl.col("__i").is_in(bad_idx.implode())).drop("__i")
    else:
        check_rejects = pl.DataFrame(schema=REJECTS_SCHEMA)
        shifted_idx = bad_idx = pl.Series("index", [], dtype=pl.Int64)
        date_hint = 0
        valid_text = text
    rejects = pl.concat(
        [problem_rejects.cast(REJECTS_SCHEMA), field_rejects.cast(REJECTS_SCHEMA), check_rejects.cast(REJECTS_SCHEMA)]
    ).sort("row_number", "column_name", "check_name", nulls_last=False)
    if context is not None:
        # Rows whose values are all withheld (reject_values.withheld_rows: shifted fields) keep no context.
        withheld = text["__row"].gather(shifted_idx) if shifted_idx.len() else pl.Series([], dtype=pl.Int64)
        context.append(reject_context.build(contract, text, check_rejects, pseudonymiser, cache_key, withheld))
    valid = _type(contract.kind, valid_text, pseudonymiser).with_columns(pl.lit(cache_key).alias("cache_key"))
    valid = valid.select([pl.col(c).cast(t) for c, t in LAKE_SCHEMAS[contract.kind].items()])
    notes = []
    unclosed = problems.filter(pl.col("__problem") == "unclosed_quote")["__row"].to_list()
    if unclosed:
        notes.append(
            f"unclosed quote starting at record {unclosed[0]}"
            + (f" (and {len(unclosed) - 1} more)" if len(unclosed) > 1 else "")
            + ": that record is rejected and reading resumed at the next line"
        )
    too_long = problems.filter(pl.col("__problem") == "record_too_long")["__row"].to_list()
    if too_long:
        notes.append(
            f"{len(too_long)} record(s) longer than {MAX_RECORD_BYTES // (1 << 20)} MiB rejected "
            f"(first: record {too_long[0]}); a field this long is not an extract value"
        )
    if date_hint:
        notes.append(f"{date_hint} date(s) written like 31/12/2009: the contract expects YYYY-MM-DD (2009-12-31)")
    stats = {
        "rows_read": rows_read,
        "rows_valid": valid.height,
        "rows_rejected": rejects["row_number"].n_unique() if rejects.height else 0,
        "rows_values_withheld": shifted_idx.len(),
        "failures_by_check": {
            r["check_name"]: r["len"] for r in rejects.group_by("check_name").len().sort("check_name").to_dicts()
        },
        # only names a message may show, and how many there are in all
        "ignored_columns": [n for n in ignored if _SHOWABLE_NAME.match(n)],
        "ignored_columns_count": len(ignored),
        "notes": notes,
    }
    return valid, rejects, stats


def _type(kind: str, t: pl.DataFrame, pseudonymiser: Pseudonymiser) -> pl.DataFrame:
    """Valid text -> typed lake columns. Parse helpers are the ones the checks used."""
    c = pl.col
    common = [c("__row").alias("row_number"), parse_timestamp(c("extracted_at")).alias("extracted_at")]
    if kind == "projects":
        return t.select(
            *common,
            "project_code",
            "title",
            "country_iso3",
            "activity_type",
            # normalised "3;9" (sorted, no spaces)
            parse_point_list(c("strategy_points"))
            .list.sort()
            .cast(pl.List(pl.String))
            .list.join(";")
            .alias("strategy_points"),
            parse_integer(c("primary_point")).alias("primary_point"),
            parse_date(c("start_date")).alias("start_date"),
            parse_date(c("end_date")).alias("end_date"),
            parse_decimal(c("budget_usd")).alias("budget_usd"),
        )
    if kind == "expenditures":
        return t.select(
            *common,
            "project_code",
            parse_integer(c("year")).alias("year"),
            parse_decimal(c("expenditure_usd")).alias("expenditure_usd"),
        )
    # beneficiaries: age band at service from date_of_birth, then drop every personal-data column.
    dob = parse_date(c("date_of_birth"))
    sd = parse_date(c("service_date"))
    before_birthday = (sd.dt.month() < dob.dt.month()) | (
        (sd.dt.month() == dob.dt.month()) & (sd.dt.day() < dob.dt.day())
    )
    age = sd.dt.year() - dob.dt.year() - before_birthday.cast(pl.Int32)
    age_band = (
        pl.when(dob.is_null())
        .then(pl.lit("unknown"))
        .when(age < 18)
        .then(pl.lit("0-17"))
        .when(age < 60)
        .then(pl.lit("18-59"))
        .otherwise(pl.lit("60+"))
    )
    out = t.select(
        *common,
        "service_id",
        "beneficiary_id",
        "sex",
        age_band.alias("age_band"),
        "service_type",
        c("service_type")
        .replace_strict(SERVICE_TYPE_POINT, default=None, return_dtype=pl.Int32)
        .alias("strategy_point"),
        sd.alias("service_date"),
        "country_of_service",
        "destination_country",
        "case_category",
        "project_code",
    )
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
            p = lake_dir / kind / sub / f"empty-v{INGEST_VERSION}.parquet"  # typed as this version writes
            if not p.exists():
                _write_atomic(pl.DataFrame(schema=sch), p)
        reject_context.ensure_placeholders(lake_dir, _write_atomic)
        m = lake_dir / "manifest" / f"{kind}.parquet"
        if not m.exists():
            _write_atomic(pl.DataFrame(schema=MANIFEST_SCHEMA), m)


def list_deliveries(kind_dir: Path) -> tuple[list[Path], list[Path]]:
    """(csv files to read, regular non-CSV files) directly in a kind's folder, sorted by name (see
    pipelines/dropzone.py for everything else a folder may hold)."""
    if not kind_dir.is_dir():
        return [], []
    read, skipped = list_kind_folder(kind_dir.parent, kind_dir.name)
    return read, [nr.sha256_path for nr in skipped if nr.sha256_path is not None]


def rekey_lake(lake_dir: Path, kind: str, fingerprint: str) -> str | None:
    """Keep one pseudonym key's results in the lake. The key's fingerprint (never the key) is stored in
    `<kind>/key_fingerprint.json`; results validated under another key are removed (the deliveries are
    validated again under the new one), and so are results of an older INGEST_VERSION (never read
    again). Returns a warning when the key changed, else None."""
    fp_path = lake_dir / kind / "key_fingerprint.json"
    old = None
    if fp_path.exists():
        try:
            old = json.loads(fp_path.read_text()).get("fingerprint")
        except (OSError, ValueError):
            old = None
    removed: set[str] = set()
    for sub in ("valid", "rejects", "stats", reject_context.SUBDIR):  # every per-delivery result
        folder = lake_dir / kind / sub
        if not folder.is_dir():
            continue
        for f in folder.iterdir():
            parts = f.name.split(".")[0].split("-")
            if len(parts) != 3 or not parts[2].startswith("v"):
                continue
            if parts[1] != fingerprint:
                removed.add(parts[0])
                f.unlink(missing_ok=True)
            elif parts[2] != f"v{INGEST_VERSION}":  # made by an older ingest: never read again
                f.unlink(missing_ok=True)
    if old != fingerprint:
        _write_json_atomic({"fingerprint": fingerprint}, fp_path)
    if (old is not None and old != fingerprint) or removed:
        return (
            f"the pseudonym key (REVIEW_PSEUDONYM_KEY) changed since the last refresh (key fingerprint "
            f"{old or 'unknown'} -> {fingerprint}): {len(removed)} {kind} file(s) validated under the old key "
            f"were removed from the lake and every {kind} delivery is validated again under the new key"
        )
    return None


def ingest_workers() -> int:
    """Deliveries validated at the same time (REVIEW_INGEST_WORKERS through pipelines/settings.py; default:
    one per core, at most 2), when the caller gives no number (a refresh passes its settings')."""
    from pipelines.settings import ingest_workers_from_env

    return ingest_workers_from_env()


def _validate_to_lake(
    p: Path, contract: ExtractContract, pseudonymiser: Pseudonymiser, cache_key: str, lake_dir: Path
) -> tuple[dict, bool]:
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


def ingest_kind(
    kind: str, raw_dir: Path, lake_dir: Path, pseudonymiser: Pseudonymiser, log=None, warn=None, workers=None
) -> KindSummary:
    """Validate every delivery of one kind (re-using cached results by content) and write the manifest.

    Files are hashed and validated by a small pool of threads (`ingest_workers`); each distinct content
    is validated once, and results are reported in file-name order whatever the order they finish in."""
    contract = CONTRACTS[kind]
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
    with ThreadPoolExecutor(max_workers=workers or ingest_workers(), thread_name_prefix=f"ingest-{kind}") as pool:
        hashed = list(pool.map(_sha_or_reason, csvs))
        for p, (_, reason) in zip(csvs, hashed):
            if reason is not None:
                results.append(FileResult(kind, p.name, "", "", 0, "ignored", reason))
                if warn is not None:
                    warn(f"{kind}/{p.name}: {reason}")
        csvs = [p for p, (sha, _) in zip(csvs, hashed) if sha is not None]
        shas = [sha for sha, _ in hashed if sha is not None]
        keys = [f"{sha[:40]}-{pseudonymiser.fingerprint}-v{INGEST_VERSION}" for sha in shas]
        first_path = {}
        for p, key in zip(csvs, keys):
            first_path.setdefault(key, p)  # the same content under two names is validated once
        futures = {
            key: pool.submit(_validate_to_lake, p, contract, pseudonymiser, key, lake_dir)
            for key, p in first_path.items()
        }
        for p, sha, cache_key in zip(csvs, shas, keys):
            res = FileResult(kind, p.name, sha, cache_key, os.stat(p).st_size, "loaded")
            stats, res.from_cache = futures[cache_key].result()
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
    _write_atomic(manifest, lake_dir / "manifest" / f"{kind}.parquet")
    return KindSummary(kind, results, warnings)


def loaded_message(stats: dict) -> str | None:
    """The note of a file that was read: all rows rejected, reading problems, ignored columns."""
    parts: list[str] = []
    if stats["rows_read"] and stats["rows_valid"] == 0:
        top = sorted(stats["failures_by_check"].items(), key=lambda kv: (-kv[1], kv[0]))[:3]
        parts.append(
            f"all {stats['rows_read']} rows rejected: nothing from this file counts (most frequent: "
            + ", ".join(f"{k} {v}" for k, v in top)
            + "; see audit.rejected_rows)"
        )
    parts += stats.get("notes", [])
    n_ignored = stats.get("ignored_columns_count", len(stats["ignored_columns"]))
    if n_ignored:
        names = names_text(stats["ignored_columns"])
        hidden = n_ignored - len(stats["ignored_columns"])
        if hidden:
            names += ("; " if names else "") + f"{hidden} name(s) not shown (not plain column names)"
        parts.append(f"{n_ignored} unknown column(s) ignored, not loaded: {names}")
    return "; ".join(parts) or None


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
    "Pseudonymiser",
    "REJECTS_SCHEMA",
    "ensure_lake",
    "ingest_kind",
    "read_records",
    "validate_file",
]
