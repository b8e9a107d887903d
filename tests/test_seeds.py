"""Fast checks on the dbt seeds (reference data); no dbt run needed."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "dbt_project" / "seeds"
# The shared spec folder sits beside the repository (/work/shared for /work/main).
SHARED = Path(__file__).resolve().parents[2] / "shared"
SHARED_SPEC = SHARED / "spec"

needs_shared = pytest.mark.skipif(
    not SHARED_SPEC.is_dir(),
    reason=f"shared spec folder not found at {SHARED_SPEC} (it lives outside the repository)",
)

# extracts.md, "Service types, and the strategy point each reports under";
# destination_country is required for these three.
EXPECTED_SERVICE_TYPES = {
    "pre_consular": (1, False),
    "migrant_training": (1, False),
    "health_assessment": (1, False),
    "resettlement_movement": (1, True),
    "official_training": (3, False),
    "dialogue_participation": (7, False),
    "avrr_return": (10, True),
    "trafficking_assistance": (11, False),
    "labour_deployment": (12, True),
}

EXPECTED_ACTIVITY_TYPES = [
    "pre_consular",
    "migrant_training",
    "migration_health",
    "resettlement",
    "migration_law",
    "capacity_building",
    "migration_development",
    "irregular_migration",
    "research_data",
    "dialogue",
    "integration",
    "emergency",
    "post_crisis",
    "avrr",
    "ct_prevention",
    "ct_capacity",
    "ct_assistance",
    "labour_migration",
    "other",
]


def read_seed(name: str) -> tuple[list[str], list[dict[str, str]]]:
    with (SEEDS / name).open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


@needs_shared
def test_published_figures_is_a_byte_for_byte_copy():
    shared = (SHARED_SPEC / "published_figures.csv").read_bytes()
    seed = (SEEDS / "published_figures.csv").read_bytes()
    assert seed == shared, (
        "dbt_project/seeds/published_figures.csv differs from shared/spec/published_figures.csv: "
        "copy it again (cp, not an editor)"
    )


def test_strategy_points_are_1_to_12_with_text():
    header, rows = read_seed("strategy_points.csv")
    assert header == ["strategy_point", "short_name", "text"]
    assert [int(r["strategy_point"]) for r in rows] == list(range(1, 13))
    assert len({r["short_name"] for r in rows}) == 12
    for r in rows:
        assert r["short_name"].strip() == r["short_name"] != ""
        text = r["text"]
        assert text.startswith("To "), text
        assert text.endswith("."), text
        assert "\n" not in text and "  " not in text and text == text.strip()
        assert not re.search(r"[^\S ]", text), "only normal spaces"


def test_service_types_match_extracts_contract():
    header, rows = read_seed("service_types.csv")
    assert header == ["service_type", "strategy_point", "requires_destination"]
    assert all(r["requires_destination"] in ("true", "false") for r in rows)
    got = {r["service_type"]: (int(r["strategy_point"]), r["requires_destination"] == "true") for r in rows}
    assert len(got) == len(rows), "duplicate service_type"
    assert got == EXPECTED_SERVICE_TYPES


@needs_shared
def test_service_types_table_in_extracts_md_unchanged():
    """Guards the hand-written dict above against a change of the spec."""
    text = (SHARED_SPEC / "extracts.md").read_text(encoding="utf-8")
    table = dict(re.findall(r"^\| `?([a-z_]+)`? \| (\d+) \|$", text, flags=re.M))
    assert {k: int(v) for k, v in table.items()} == {k: v[0] for k, v in EXPECTED_SERVICE_TYPES.items()}


def test_activity_types():
    header, rows = read_seed("activity_types.csv")
    assert header == ["activity_type"]
    assert [r["activity_type"] for r in rows] == EXPECTED_ACTIVITY_TYPES


def test_iso3166_alpha3_is_complete_and_pure_iso():
    header, rows = read_seed("iso3166_alpha3.csv")
    assert header == ["iso3", "name"]
    codes = [r["iso3"] for r in rows]
    assert len(codes) == 249
    assert len(set(codes)) == 249
    assert all(re.fullmatch(r"[A-Z]{3}", c) for c in codes)
    assert all(r["name"].strip() for r in rows)
    assert {"CAN", "FRA", "USA", "PHL", "MEX", "CHE"} <= set(codes)
    assert "GLB" not in codes, "GLB is added by the validator for projects only, not an ISO code"
