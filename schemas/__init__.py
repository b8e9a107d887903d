"""Pandera schemas, one per extract kind (extracts.md). Schemas check rows; content rules live in dbt."""

from schemas.beneficiaries import BENEFICIARIES
from schemas.expenditures import EXPENDITURES
from schemas.projects import PROJECTS

CONTRACTS = {c.kind: c for c in (PROJECTS, EXPENDITURES, BENEFICIARIES)}
KINDS = tuple(CONTRACTS)

__all__ = ["BENEFICIARIES", "CONTRACTS", "EXPENDITURES", "KINDS", "PROJECTS"]
