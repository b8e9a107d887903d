"""Which offending values `audit.rejected_rows.value` may record (README, "Decisions where the contract is
silent"). The contract: values of personal-data columns are never recorded. This module adds the cases
where a value in another column could still be personal data:

- A *shifted* row records no values at all. A row is shifted when it fails checks in 3 or more columns,
  or when one of its failing values has the shape of another column of the same extract (a date under
  `sex`, a service type under `case_category`, a project code under a country...): its fields have
  probably moved by one or more places (an unquoted comma, a field left out), so any value may belong
  to a personal-data column.
- In an extract that carries personal data (beneficiaries), a failing value is recorded only when it fits
  the plain shape of its own column (a short code, a date-like or timestamp-like string) and equals none
  of the row's personal values (a name, document number, date of birth or case number).
- Every recorded value is cut to VALUE_MAX characters, marked as cut with its length.

`withheld_rows` returns the shifted rows' indices, so other callers (rejected-row context) can skip them.
"""

from __future__ import annotations

import polars as pl

from schemas._checks import DECIMAL_RE, PROJECT_CODE_RE, ExtractContract
from schemas.beneficiaries import CASE_CATEGORIES, SERVICE_TYPE_POINT, SEXES
from schemas.projects import ACTIVITY_TYPES

VALUE_MAX = 200
SHIFTED_MIN_COLUMNS = 3

# The class of value each contract column holds.
COLUMN_CLASS = {
    "start_date": "date",
    "end_date": "date",
    "service_date": "date",
    "date_of_birth": "date",
    "extracted_at": "timestamp",
    "budget_usd": "number",
    "expenditure_usd": "number",
    "year": "number",
    "primary_point": "number",
    "strategy_points": "points",
    "project_code": "project_code",
    "country_iso3": "iso3",
    "country_of_service": "iso3",
    "destination_country": "iso3",
    "sex": "sex",
    "service_type": "service_type",
    "case_category": "case_category",
    "activity_type": "activity_type",
}
COMPATIBLE = {frozenset(("date", "timestamp")), frozenset(("number", "points"))}

# Recognisers: the value shapes that say "this belongs in a column of that class" (first match wins).
_DATE_LIKE = r"^(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})$"


def _recognisers(v: pl.Expr) -> list[tuple[str, pl.Expr]]:
    return [
        ("timestamp", v.str.contains(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")),
        ("date", v.str.contains(_DATE_LIKE)),
        ("project_code", v.str.contains(PROJECT_CODE_RE)),
        ("points", v.str.contains(r"^\d+(\s*;\s*\d+)+$")),
        ("number", v.str.contains(DECIMAL_RE)),
        ("sex", v.is_in(list(SEXES))),
        ("service_type", v.is_in(list(SERVICE_TYPE_POINT))),
        ("case_category", v.is_in(list(CASE_CATEGORIES))),
        ("activity_type", v.is_in(list(ACTIVITY_TYPES))),
        ("iso3", v.str.contains(r"^[A-Z]{3}$")),
    ]


# The plain shape of each column's values in an extract with personal data: a failing value outside it
# is not recorded (it could be a name, a document number, free text).
SHAPES = {
    "sex": r"^[A-Za-z]{1,2}$",
    "service_type": r"^[A-Za-z_]{1,40}$",
    "case_category": r"^[A-Za-z_]{1,40}$",
    "country_of_service": r"^[A-Za-z0-9]{1,4}$",
    "destination_country": r"^[A-Za-z0-9]{1,4}$",
    "project_code": r"^[A-Za-z0-9._/-]{1,12}$",
    "service_date": r"^[0-9./ -]{4,12}$",
    "extracted_at": r"^[0-9T:.,+Z -]{4,40}$",
}


def classify(v: pl.Expr, classes_in_kind: set[str]) -> pl.Expr:
    """The class a value looks like (among the kind's classes), or null."""
    out = pl.lit(None, pl.String)
    for name, cond in reversed(_recognisers(v)):
        if name in classes_in_kind:
            out = pl.when(cond).then(pl.lit(name)).otherwise(out)
    return out


def _misplaced(fc: pl.DataFrame, contract: ExtractContract) -> pl.Expr:
    classes = {COLUMN_CLASS[c] for c in contract.column_names if c in COLUMN_CLASS}
    own = pl.col("column").replace_strict(COLUMN_CLASS, default=None, return_dtype=pl.String)
    seen = classify(pl.col("failure_case"), classes)
    compatible = pl.lit(False)
    for pair in COMPATIBLE:
        a, b = sorted(pair)
        compatible = compatible | ((own == a) & (seen == b)) | ((own == b) & (seen == a))
    return seen.is_not_null() & own.is_not_null() & (seen != own) & ~compatible


def withheld_rows(fc: pl.DataFrame, contract: ExtractContract) -> pl.Series:
    """Indices (into the checked frame) of shifted rows: no value of theirs is recorded."""
    if fc.height == 0:
        return pl.Series("index", [], dtype=pl.Int64)
    per_row = (
        fc.with_columns(_misplaced(fc, contract).fill_null(False).alias("__misplaced"))
        .group_by("index")
        .agg(pl.col("column").n_unique().alias("n_cols"), pl.col("__misplaced").any().alias("misplaced"))
    )
    return per_row.filter((pl.col("n_cols") >= SHIFTED_MIN_COLUMNS) | pl.col("misplaced"))["index"].cast(pl.Int64)


def cut(v: pl.Expr) -> pl.Expr:
    """At most VALUE_MAX characters, marked as cut with the original length."""
    n = v.str.len_chars()
    return (
        pl.when(n > VALUE_MAX)
        .then(pl.concat_str(v.str.slice(0, VALUE_MAX), pl.lit(" … [cut: "), n.cast(pl.String), pl.lit(" characters]")))
        .otherwise(v)
    )


def recorded_values(fc: pl.DataFrame, text: pl.DataFrame, contract: ExtractContract, shifted: pl.Series) -> pl.Series:
    """The `value` to record for each failure case of `fc` (pandera's failure cases: index, column,
    failure_case), under the rules above."""
    personal = sorted(contract.personal_columns)
    v = pl.col("failure_case")
    keep = ~pl.col("column").is_in(personal) & ~pl.col("index").cast(pl.Int64).is_in(shifted.implode())
    frame = fc.select(pl.col("index").cast(pl.Int64), "column", "failure_case")
    if personal:
        shape = pl.lit(False)
        for col, pattern in SHAPES.items():
            shape = shape | ((pl.col("column") == col) & v.str.contains(pattern))
        keep = keep & shape.fill_null(False)
        pvals = text.select(
            pl.int_range(0, text.height, dtype=pl.Int64).alias("index"),
            *[pl.col(c).alias(f"__p_{c}") for c in personal],
        )
        frame = frame.join(pvals, on="index", how="left", maintain_order="left")
        for c in personal:
            keep = keep & (pl.col(f"__p_{c}").is_null() | (v != pl.col(f"__p_{c}")))
    return frame.select(pl.when(keep.fill_null(False)).then(cut(v)).alias("value"))["value"]
