"""beneficiaries: one row per service delivered to a person. Key: service_id.

full_name, document_no and date_of_birth are personal data: validated, never stored (date_of_birth only
as the age band at service), and their values are never recorded in audit.rejected_rows.
beneficiary_id is stored only as a keyed hash.
"""

import polars as pl

from schemas._checks import (
    DATE,
    PROJECT_CODE_RE,
    TIMESTAMP,
    Col,
    Rule,
    contract,
    iso3,
    matches,
    one_of,
    parse_date,
    timestamp_local_date,
)

# service_type -> the strategy point it reports under (extracts.md); the dbt seed carries the same table.
SERVICE_TYPE_POINT = {
    "pre_consular": 1,
    "migrant_training": 1,
    "health_assessment": 1,
    "resettlement_movement": 1,
    "official_training": 3,
    "dialogue_participation": 7,
    "avrr_return": 10,
    "trafficking_assistance": 11,
    "labour_deployment": 12,
}
NEEDS_DESTINATION = ("resettlement_movement", "avrr_return", "labour_deployment")
SEXES = ("F", "M", "U")
CASE_CATEGORIES = ("resettlement", "family_reunification", "labour", "humanitarian", "other")


def _service_date_ok(c: str) -> pl.Expr:
    d = parse_date(pl.col(c))
    return (d >= pl.date(1990, 1, 1)) & (d <= timestamp_local_date(pl.col("extracted_at")))


BENEFICIARIES = contract(
    "beneficiaries",
    (
        Col("service_id", True),
        Col("beneficiary_id", True, personal=True),
        Col("full_name", False, personal=True),
        Col("document_no", False, personal=True),
        Col(
            "date_of_birth",
            False,
            (
                DATE,
                Rule("not_after_service_date", lambda c: parse_date(pl.col(c)) <= parse_date(pl.col("service_date"))),
            ),
            personal=True,
        ),
        Col("sex", True, (one_of(SEXES),)),
        Col("service_type", True, (one_of(tuple(SERVICE_TYPE_POINT)),)),
        Col("service_date", True, (DATE, Rule("service_date_range", _service_date_ok))),
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
        Col("extracted_at", True, (TIMESTAMP,)),
    ),
    key=("service_id",),
)
