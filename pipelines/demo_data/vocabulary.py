"""The contract's vocabulary as the generator uses it, imported, never redefined: the column order of each
kind from `schemas.CONTRACTS`, the code lists from the dbt seeds (through `schemas`, which reads them).
What is the generator's own: the integer index of each service type, sex and case category (the planner
keeps records as integer columns), and which activity type delivers a service type, which point an
activity type is mostly reported under, and the two-letter project code prefix of each.
"""

from __future__ import annotations

from schemas import CONTRACTS, KINDS
from schemas.beneficiaries import CASE_CATEGORIES, SERVICE_TYPE_POINT, SEXES
from schemas.beneficiaries import NEEDS_DESTINATION as _NEEDS_DESTINATION
from schemas.projects import ACTIVITY_TYPES

COLUMNS = {kind: [c.name for c in CONTRACTS[kind].columns] for kind in KINDS}
PROJECT_COLUMNS = COLUMNS["projects"]
EXPENDITURE_COLUMNS = COLUMNS["expenditures"]
BENEFICIARY_COLUMNS = COLUMNS["beneficiaries"]

# Service types in the seed's order; records carry the index `t` (SERVICE_TYPES[t] is the value written).
SERVICE_TYPES = tuple(SERVICE_TYPE_POINT)
PC, MT, HA, RM, OT, DP, AV, TA, LD = (
    SERVICE_TYPES.index(s)
    for s in (
        "pre_consular",
        "migrant_training",
        "health_assessment",
        "resettlement_movement",
        "official_training",
        "dialogue_participation",
        "avrr_return",
        "trafficking_assistance",
        "labour_deployment",
    )
)
NEEDS_DESTINATION = tuple(SERVICE_TYPES.index(s) for s in _NEEDS_DESTINATION)  # (RM, AV, LD)
# Project activity type that delivers each service type (its projects carry the service's point), by index.
SERVICE_ACTIVITY = tuple(
    {
        "pre_consular": "pre_consular",
        "migrant_training": "migrant_training",
        "health_assessment": "migration_health",
        "resettlement_movement": "resettlement",
        "official_training": "capacity_building",
        "dialogue_participation": "dialogue",
        "avrr_return": "avrr",
        "trafficking_assistance": "ct_assistance",
        "labour_deployment": "labour_migration",
    }[s]
    for s in SERVICE_TYPES
)
F, M, U = (SEXES.index(s) for s in ("F", "M", "U"))
RES, FAM, LAB, HUM, OTH = (
    CASE_CATEGORIES.index(c) for c in ("resettlement", "family_reunification", "labour", "humanitarian", "other")
)
NO_CAT = 255  # a person without a case category

# The strategy point an activity type is primarily reported under ("other" gets one of several).
ACTIVITY_POINT = {
    "pre_consular": 1,
    "migrant_training": 1,
    "migration_health": 1,
    "resettlement": 1,
    "migration_law": 2,
    "capacity_building": 3,
    "migration_development": 4,
    "irregular_migration": 5,
    "research_data": 6,
    "dialogue": 7,
    "integration": 8,
    "emergency": 9,
    "post_crisis": 9,
    "avrr": 10,
    "ct_prevention": 11,
    "ct_capacity": 11,
    "ct_assistance": 11,
    "labour_migration": 12,
    "other": 0,
}
ACTIVITY_PREFIX = {
    "pre_consular": "PC",
    "migrant_training": "MT",
    "migration_health": "MH",
    "resettlement": "RS",
    "migration_law": "ML",
    "capacity_building": "CB",
    "migration_development": "MD",
    "irregular_migration": "IM",
    "research_data": "RD",
    "dialogue": "DG",
    "integration": "IN",
    "emergency": "EM",
    "post_crisis": "PR",
    "avrr": "RT",
    "ct_prevention": "CP",
    "ct_capacity": "CC",
    "ct_assistance": "CA",
    "labour_migration": "LM",
    "other": "OT",
}
if set(ACTIVITY_POINT) != set(ACTIVITY_TYPES) or set(ACTIVITY_PREFIX) != set(ACTIVITY_TYPES):
    raise ValueError(
        "pipelines/demo_data/vocabulary.py: ACTIVITY_POINT / ACTIVITY_PREFIX must name every activity type"
    )

__all__ = [
    "ACTIVITY_POINT",
    "ACTIVITY_PREFIX",
    "ACTIVITY_TYPES",
    "AV",
    "BENEFICIARY_COLUMNS",
    "CASE_CATEGORIES",
    "COLUMNS",
    "DP",
    "EXPENDITURE_COLUMNS",
    "FAM",
    "HA",
    "HUM",
    "KINDS",
    "LAB",
    "LD",
    "MT",
    "NEEDS_DESTINATION",
    "NO_CAT",
    "OT",
    "OTH",
    "PC",
    "PROJECT_COLUMNS",
    "RES",
    "RM",
    "SERVICE_ACTIVITY",
    "SERVICE_TYPES",
    "SEXES",
    "TA",
    "F",
    "M",
    "U",
]
