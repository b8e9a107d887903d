"""expenditures: one row per project and year. Key: (project_code, year)."""

import polars as pl

from schemas._checks import (
    DECIMAL,
    DECIMAL_FITS,
    INTEGER,
    PROJECT_CODE_RE,
    TIMESTAMP,
    Col,
    Rule,
    contract,
    matches,
    parse_integer,
)

EXPENDITURES = contract(
    "expenditures",
    (
        Col("project_code", True, (matches("project_code_format", PROJECT_CODE_RE),)),
        Col("year", True, (INTEGER, Rule("year_range", lambda c: parse_integer(pl.col(c)).is_between(1990, 2100)))),
        # finite: the decimal pattern admits no inf/nan; DECIMAL_FITS: exactly a DECIMAL(28, 6) (schemas._checks).
        # Negative values are adjustments and are kept.
        Col("expenditure_usd", True, (DECIMAL, DECIMAL_FITS)),
        Col("extracted_at", True, (TIMESTAMP,)),
    ),
    key=("project_code", "year"),
)
