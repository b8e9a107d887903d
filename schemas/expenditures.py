"""expenditures: one row per project and year. Key: (project_code, year).

The column table is the contract of the kind (rules and lake columns; see schemas/projects.py)."""

import polars as pl

from schemas._checks import (
    DECIMAL,
    DECIMAL_FITS,
    INTEGER,
    MONEY,
    PROJECT_CODE_RE,
    TIMESTAMP,
    Col,
    Lake,
    Rule,
    contract,
    matches,
    parse_decimal,
    parse_integer,
    parse_timestamp,
)

EXPENDITURES = contract(
    "expenditures",
    (
        Col("project_code", True, (matches("project_code_format", PROJECT_CODE_RE),)),
        Col(
            "year",
            True,
            (INTEGER, Rule("year_range", lambda c: parse_integer(pl.col(c)).is_between(1990, 2100))),
            lake=Lake("year", pl.Int32, parse_integer),
        ),
        # finite: the decimal pattern admits no inf/nan; DECIMAL_FITS: exactly a DECIMAL(28, 6) (schemas._checks).
        # Negative values are adjustments and are kept.
        Col("expenditure_usd", True, (DECIMAL, DECIMAL_FITS), lake=Lake("expenditure_usd", MONEY, parse_decimal)),
        Col("extracted_at", True, (TIMESTAMP,), lake=Lake("extracted_at", pl.Datetime("us"), parse_timestamp)),
    ),
    key=("project_code", "year"),
)
