"""beneficiaries: one row per service delivered to a person. Key: service_id.

full_name, document_no and date_of_birth are personal data: validated, never stored (date_of_birth only
as the age band at service), and their values are never recorded in audit.rejected_rows.
beneficiary_id is stored only as a keyed hash.

The column table is the contract of the kind (rules and lake columns; see schemas/projects.py).
"""

import polars as pl

from schemas._checks import (
    DATE,
    PROJECT_CODE_RE,
    TIMESTAMP,
    Col,
    Lake,
    Rule,
    contract,
    iso3,
    matches,
    one_of,
    parse_date,
    parse_timestamp,
    seed_rows,
    seed_values,
    timestamp_local_date,
)

# The code lists (extracts.md) come from the dbt seeds, which the warehouse reads too (schemas._checks.seed_rows).
# service_type -> the strategy point it reports under, in the seed's order.
SERVICE_TYPE_POINT = {r["service_type"]: int(r["strategy_point"]) for r in seed_rows("service_types")}
NEEDS_DESTINATION = tuple(r["service_type"] for r in seed_rows("service_types") if r["requires_destination"] == "true")
SEXES = seed_values("sexes", "sex")
AGE_BANDS = seed_values("age_bands", "age_band")  # computed at ingest from date_of_birth
CASE_CATEGORIES = seed_values("case_categories", "case_category")


def _service_date_ok(c: str) -> pl.Expr:
    d = parse_date(pl.col(c))
    return (d >= pl.date(1990, 1, 1)) & (d <= timestamp_local_date(pl.col("extracted_at")))


def _band_of_age() -> pl.Expr:
    """The band of the columns `dob` (parsed date of birth) and `age` (completed years at service), from
    the seed (`age_bands.csv`: min_age..max_age; the band without ages is the one of a missing date)."""
    bands = seed_rows("age_bands")
    missing = [r["age_band"] for r in bands if not r["min_age"] and not r["max_age"]]
    if len(missing) != 1:
        raise ValueError(
            "dbt_project/seeds/age_bands.csv: exactly one band (the unknown age) has no min_age and max_age"
        )
    age = pl.col("age")
    expr = pl.when(pl.col("dob").is_null()).then(pl.lit(missing[0]))
    for r in bands:
        if not r["min_age"] and not r["max_age"]:
            continue
        cond = age >= int(r["min_age"] or 0)
        if r["max_age"]:
            cond = cond & (age <= int(r["max_age"]))
        expr = expr.when(cond).then(pl.lit(r["age_band"]))
    return expr.cast(pl.String)


def age_band_at_service(dob_text: pl.Expr) -> pl.Expr:
    """The age band at service from valid text: what the lake keeps of date_of_birth. The bands and their
    ages are the seed's (`_band_of_age`).

    Computed in steps on each batch: the two dates are parsed and the age computed once, as columns, before
    the band is chosen. One expression with the dates inside every band's condition made polars parse them
    once per band: 9x slower (docs/performance.md)."""
    band = _band_of_age()

    def bands_of(pairs: pl.Series) -> pl.Series:  # a struct series of (dob, sd) texts
        f = pairs.struct.unnest().select(parse_date(pl.col("dob")).alias("dob"), parse_date(pl.col("sd")).alias("sd"))
        before_birthday = (pl.col("sd").dt.month() < pl.col("dob").dt.month()) | (
            (pl.col("sd").dt.month() == pl.col("dob").dt.month()) & (pl.col("sd").dt.day() < pl.col("dob").dt.day())
        )
        age = pl.col("sd").dt.year() - pl.col("dob").dt.year() - before_birthday.cast(pl.Int32)
        return f.with_columns(age.alias("age")).select(band.alias("age_band")).to_series()

    pair = pl.struct(dob_text.alias("dob"), pl.col("service_date").alias("sd"))
    return pair.map_batches(bands_of, return_dtype=pl.String, is_elementwise=True)


def strategy_point_of(service_type: pl.Expr) -> pl.Expr:
    """The strategy point a service type reports under (SERVICE_TYPE_POINT), null for another value."""
    return service_type.replace_strict(SERVICE_TYPE_POINT, default=None, return_dtype=pl.Int32)


BENEFICIARIES = contract(
    "beneficiaries",
    (
        Col("service_id", True),
        # stored only as person_key, the keyed HMAC of the value (pipelines/pseudonymise.py)
        Col("beneficiary_id", True, personal=True, lake=Lake("person_key", pseudonymised=True)),
        Col("full_name", False, personal=True, lake=None),
        Col("document_no", False, personal=True, lake=None),
        Col(
            "date_of_birth",
            False,
            (
                DATE,
                Rule("not_after_service_date", lambda c: parse_date(pl.col(c)) <= parse_date(pl.col("service_date"))),
            ),
            personal=True,
            # only the age band at service is stored, placed after sex (the lake's and staging's order)
            lake=Lake("age_band", pl.String, age_band_at_service, after="sex"),
        ),
        Col("sex", True, (one_of(SEXES),)),
        Col(
            "service_type",
            True,
            (one_of(tuple(SERVICE_TYPE_POINT)),),
            lake=(Lake("service_type"), Lake("strategy_point", pl.Int32, strategy_point_of)),
        ),
        Col(
            "service_date",
            True,
            (DATE, Rule("service_date_range", _service_date_ok)),
            lake=Lake("service_date", pl.Date, parse_date),
        ),
        Col("country_of_service", True, (iso3(),)),
        Col(
            "destination_country",
            False,
            (
                iso3(),
                # A missing value passes ordinary rules, so this one is evaluated on the row, not the value.
                Rule(
                    "required_for_service_type",
                    lambda c: pl.col(c).is_not_null() | ~pl.col("service_type").is_in(list(NEEDS_DESTINATION)),
                    judges_missing=True,
                ),
            ),
        ),
        Col("case_category", False, (one_of(CASE_CATEGORIES),)),
        Col("project_code", False, (matches("project_code_format", PROJECT_CODE_RE),)),
        Col("extracted_at", True, (TIMESTAMP,), lake=Lake("extracted_at", pl.Datetime("us"), parse_timestamp)),
    ),
    key=("service_id",),
)
