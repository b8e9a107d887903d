"""projects: one row per project (register snapshot). Key: project_code.

The column table below is the contract of the kind: each column's rules, and what the lake stores of it
(`lake`: name, polars type, parse; text under its own name when not given). Validation, the lake's typing
(pipelines/ingest_validate.py), LAKE_SCHEMAS and the dbt lake sources' columns all read it.
"""

import polars as pl

from schemas._checks import (
    DATE,
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
    iso3,
    matches,
    normalise_point_list,
    one_of,
    parse_date,
    parse_decimal,
    parse_integer,
    parse_point_list,
    parse_timestamp,
    seed_values,
    timestamp_local_date,
)

ACTIVITY_TYPES = seed_values("activity_types", "activity_type")  # extracts.md, from the dbt seed


def _points_ok(c: str) -> pl.Expr:
    pts = parse_point_list(pl.col(c))
    return (
        pl.col(c).str.contains(r"^\s*\d+\s*(;\s*\d+\s*)*$")
        & pts.list.eval(pl.element().is_between(1, 12)).list.all()
        & (pts.list.n_unique() == pts.list.len())
    )


def _primary_ok(c: str) -> pl.Expr:
    p = parse_integer(pl.col(c))
    # Only judged when both values are readable: a bad strategy_points is its own failure.
    listed = parse_point_list(pl.col("strategy_points")).list.contains(p)
    judged = p.is_between(1, 12) & (listed | ~_points_ok("strategy_points").fill_null(False))
    return p.is_null() | judged  # an unreadable value is integer_format's failure, not this one's


PROJECTS = contract(
    "projects",
    (
        Col("project_code", True, (matches("project_code_format", PROJECT_CODE_RE),)),
        Col("title", True),
        Col("country_iso3", True, (iso3(extra=("GLB",)),)),
        Col("activity_type", True, (one_of(ACTIVITY_TYPES),)),
        Col(
            "strategy_points",
            True,
            (Rule("strategy_points_format", _points_ok),),
            lake=Lake("strategy_points", pl.String, normalise_point_list),  # "9; 3" -> "3;9"
        ),
        Col(
            "primary_point",
            True,
            (INTEGER, Rule("primary_point_in_strategy_points", _primary_ok)),
            lake=Lake("primary_point", pl.Int32, parse_integer),
        ),
        Col(
            "start_date",
            True,
            (
                DATE,
                Rule(
                    "not_after_extracted_at",
                    lambda c: parse_date(pl.col(c)) <= timestamp_local_date(pl.col("extracted_at")),
                ),
            ),
            lake=Lake("start_date", pl.Date, parse_date),
        ),
        Col(
            "end_date",
            False,
            (DATE, Rule("end_not_before_start", lambda c: parse_date(pl.col(c)) >= parse_date(pl.col("start_date")))),
            lake=Lake("end_date", pl.Date, parse_date),
        ),
        Col(
            "budget_usd",
            True,
            (DECIMAL, DECIMAL_FITS, Rule("non_negative", lambda c: parse_decimal(pl.col(c)) >= 0)),
            lake=Lake("budget_usd", MONEY, parse_decimal),
        ),
        Col("extracted_at", True, (TIMESTAMP,), lake=Lake("extracted_at", pl.Datetime("us"), parse_timestamp)),
    ),
    key=("project_code",),
)
