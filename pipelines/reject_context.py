"""The context of rejected rows: which indicators a rejected row would have fed, had it been valid.

`audit.rejected_rows` keeps one row per failed check with the failing value only. To answer "how many
rejected rows would have counted in this figure", a rejected row also needs the fields that decide which
indicators it feeds. This module keeps exactly those, per rejected row, in the lake:

    <kind>/reject_context/<cache_key>.parquet   one row per rejected row (check failures, not field counts)
    <kind>/reject_context/empty.parquet         no rows (the readers' glob always matches)

Kept per kind (CONTEXT_FIELDS), each only when it passed every one of its own checks (a failing field is
NULL, typed with the same parse helpers as valid rows, so it reads exactly as it would have counted):

    beneficiaries  service_type (and its strategy_point), service_date, project_code, country_of_service,
                   destination_country
    expenditures   project_code, year
    projects       project_code, activity_type, strategy_points (normalised "3;9"), start_date, end_date

Never kept: a personal-data value (full_name, document_no, date_of_birth, beneficiary_id), nor any other
field. For beneficiaries the row carries `person_key`, the same keyed HMAC of beneficiary_id that valid rows
carry (NULL when beneficiary_id is missing): without it "persons that would have counted" cannot be
counted once per person, and it is no more than the lake already holds for every valid row.

A row whose failures span SHIFT_THRESHOLD or more columns looks shifted (a missing or extra separator
moves every later value one column along): its values cannot be trusted to be in their columns, so it is
recorded with `context_kept = false` and no field at all. Rows rejected for their field count are not in
the context either (their fields cannot be attributed to columns).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from schemas import CONTRACTS
from schemas._checks import ExtractContract

# A row failing checks on this many different columns or more is taken as shifted: no context.
SHIFT_THRESHOLD = 3

CONTEXT_FIELDS: dict[str, tuple[str, ...]] = {
    "beneficiaries": ("service_type", "service_date", "project_code", "country_of_service", "destination_country"),
    "expenditures": ("project_code", "year"),
    "projects": ("project_code", "activity_type", "strategy_points", "start_date", "end_date"),
}

# The columns kept per kind: the lake's (cache_key, row_number and the fields' lake columns, typed by the
# contract's column table, schemas/), plus whether the context was kept and how many columns failed.
_CONTEXT_LAKE_COLUMNS: dict[str, tuple[str, ...]] = {
    "beneficiaries": (
        "cache_key",
        "row_number",
        "person_key",
        "service_type",
        "strategy_point",
        "service_date",
        "project_code",
        "country_of_service",
        "destination_country",
    ),
    "expenditures": ("cache_key", "row_number", "project_code", "year"),
    "projects": (
        "cache_key",
        "row_number",
        "project_code",
        "activity_type",
        "strategy_points",
        "start_date",
        "end_date",
    ),
}


def _context_schema(kind: str) -> dict[str, pl.DataType]:
    lake = CONTRACTS[kind].lake_schema
    cols = _CONTEXT_LAKE_COLUMNS[kind]
    out = {c: lake[c] for c in cols[:2]}
    out.update(context_kept=pl.Boolean, failed_columns=pl.Int32)
    out.update({c: lake[c] for c in cols[2:]})
    return out


CONTEXT_SCHEMAS: dict[str, dict[str, pl.DataType]] = {kind: _context_schema(kind) for kind in _CONTEXT_LAKE_COLUMNS}

SUBDIR = "reject_context"


def context_path(lake_dir: Path, kind: str, cache_key: str) -> Path:
    return lake_dir / kind / SUBDIR / f"{cache_key}.parquet"


def placeholders() -> dict[str, pl.DataFrame]:
    """{kind: 0-row frame}: the `empty.parquet` of each kind's reject_context folder."""
    return {kind: pl.DataFrame(schema=schema) for kind, schema in CONTEXT_SCHEMAS.items()}


def ensure_placeholders(lake_dir: Path, write) -> None:
    """Write `<kind>/reject_context/empty.parquet` where missing (`write(df, path)`: the lake's atomic writer)."""
    for kind, empty in placeholders().items():
        p = lake_dir / kind / SUBDIR / "empty.parquet"
        if not p.exists():
            write(empty, p)


def _typed(contract: ExtractContract, field: str) -> pl.Expr:
    """`field` typed as valid rows are in the lake: the parse of its lake column in the contract's column
    table (strategy_points normalised "3;9", dates as dates, ...)."""
    src, lake = contract.lake_column(field)
    return pl.col(src) if lake.parse is None else lake.parse(pl.col(src))


def build(
    contract: ExtractContract,
    text: pl.DataFrame,
    check_rejects: pl.DataFrame,
    pseudonymiser,
    cache_key: str,
    withheld_rows: pl.Series | None = None,
) -> pl.DataFrame:
    """The context rows of one delivery.

    text: the rows with the right field count, as trimmed text (`__row` = row_number, one column per
    contract column); check_rejects: the failed checks (row_number, column_name, check_name);
    withheld_rows: row numbers whose values ingest withholds as shifted (pipelines.reject_values): they
    keep no context either, whatever their count of failing columns.
    """
    kind = contract.kind
    schema = CONTEXT_SCHEMAS[kind]
    if not check_rejects.height:
        return pl.DataFrame(schema=schema)
    failed = check_rejects.select("row_number", "column_name").unique()
    per_row = failed.group_by("row_number").agg(
        pl.col("column_name").n_unique().cast(pl.Int32).alias("failed_columns"),
        *[(pl.col("column_name") == f).any().alias(f"__bad_{f}") for f in CONTEXT_FIELDS[kind]],
        *(
            [(pl.col("column_name") == "beneficiary_id").any().alias("__bad_beneficiary_id")]
            if kind == "beneficiaries"
            else []
        ),
    )
    rows = per_row.join(text.rename({"__row": "row_number"}), on="row_number", how="left")
    kept = pl.col("failed_columns") < SHIFT_THRESHOLD
    if withheld_rows is not None and withheld_rows.len():
        kept = kept & ~pl.col("row_number").is_in(withheld_rows.cast(pl.Int64).implode())
    fields = []
    for f in CONTEXT_FIELDS[kind]:
        fields.append(pl.when(kept & ~pl.col(f"__bad_{f}")).then(_typed(contract, f)).alias(f))
    out = rows.select(
        pl.lit(cache_key).alias("cache_key"),
        "row_number",
        kept.alias("context_kept"),
        "failed_columns",
        *fields,
        *(
            [pl.when(kept & ~pl.col("__bad_beneficiary_id")).then(pl.col("beneficiary_id")).alias("__id")]
            if kind == "beneficiaries"
            else []
        ),
    )
    if kind == "beneficiaries":
        ids = out["__id"]
        present = ids.drop_nulls()
        keys = pseudonymiser.hash_series(present) if present.len() else pl.Series([], dtype=pl.String)
        mapping = pl.DataFrame({"__id": present, "person_key": keys}).unique("__id")
        out = (
            out.join(mapping, on="__id", how="left", maintain_order="left")
            .drop("__id")
            .with_columns(_typed(contract, "strategy_point").alias("strategy_point"))
        )
    return out.select([pl.col(c).cast(t) for c, t in schema.items()]).sort("row_number")
