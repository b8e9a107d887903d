"""Validation of one delivery: header -> pandera checks -> rejects, and valid rows typed for the lake.

The contract of each kind is its column table (schemas/): the checks, and what the lake stores of each
column (name, type, parse). `type_rows` applies the latter; the parse helpers are the ones the checks
used, so validation and typing never disagree. Messages never copy a value or a header line: they name
the contract's columns, counts, and unknown names only when they are plain identifiers.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pandera.errors as pe
import polars as pl

from pipelines import reject_context
from pipelines.ingest_lake import LAKE_SCHEMAS, REJECTS_SCHEMA
from pipelines.ingest_read import MAX_COLUMNS, MAX_RECORD_BYTES, FileRejected, read_records
from pipelines.pseudonymise import Pseudonymiser
from pipelines.reject_values import recorded_values, withheld_rows
from schemas._checks import PANDERA_CHECK_NAMES, ExtractContract

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


def map_header(header: list[str], contract: ExtractContract) -> tuple[dict[str, int], list[str]]:
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
    colmap, ignored = map_header(header, contract)
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
    valid = type_rows(contract, valid_text, pseudonymiser).with_columns(pl.lit(cache_key).alias("cache_key"))
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


def type_rows(contract: ExtractContract, t: pl.DataFrame, pseudonymiser: Pseudonymiser) -> pl.DataFrame:
    """Valid text -> the typed lake columns of the contract's column table (`Lake`: each one's parse of
    its contract column; a pseudonymised one is the keyed hash). Columns the table does not store
    (personal data) are dropped. Not yet cast nor in lake order: validate_file does both."""
    c = pl.col
    exprs, hashed = [c("__row").alias("row_number")], []
    for src, lk in contract.lake_columns:
        if lk.pseudonymised:
            hashed.append(lk.name)
            exprs.append(c(src).alias(f"__hash_{lk.name}"))
        else:
            exprs.append((c(src) if lk.parse is None else lk.parse(c(src))).alias(lk.name))
    out = t.select(exprs)
    for name in hashed:
        col = f"__hash_{name}"
        keys = pseudonymiser.hash_series(out[col]) if out.height else pl.Series([], dtype=pl.String)
        out = out.with_columns(keys.alias(name)).drop(col)
    return out


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
