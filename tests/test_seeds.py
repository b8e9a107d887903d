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


# --- the code lists and the measures: seeds are the one source (schemas._checks.seed_rows, schemas.dbt_lists)

# extracts.md: sex `F`, `M` or `U`; age bands `0-17`, `18-59`, `60+`, `unknown`; case_category in this order.
EXPECTED_CODE_LISTS = {
    "sexes": ("sex", ["F", "M", "U"]),
    "age_bands": ("age_band", ["0-17", "18-59", "60+", "unknown"]),
    "case_categories": ("case_category", ["resettlement", "family_reunification", "labour", "humanitarian", "other"]),
}


@pytest.mark.parametrize("seed", sorted(EXPECTED_CODE_LISTS))
def test_code_list_seeds_are_the_contract_in_code_order(seed):
    column, expected = EXPECTED_CODE_LISTS[seed]
    header, rows = read_seed(f"{seed}.csv")
    assert header[:2] == ["position", column]
    assert [int(r["position"]) for r in rows] == list(range(1, len(expected) + 1)), "positions 1..n, in file order"
    assert [r[column] for r in rows] == expected


def test_python_code_lists_are_the_seeds():
    from schemas.beneficiaries import AGE_BANDS, CASE_CATEGORIES, NEEDS_DESTINATION, SERVICE_TYPE_POINT, SEXES
    from schemas.projects import ACTIVITY_TYPES

    assert list(SEXES) == EXPECTED_CODE_LISTS["sexes"][1]
    assert list(AGE_BANDS) == EXPECTED_CODE_LISTS["age_bands"][1]
    assert list(CASE_CATEGORIES) == EXPECTED_CODE_LISTS["case_categories"][1]
    assert list(ACTIVITY_TYPES) == EXPECTED_ACTIVITY_TYPES
    assert SERVICE_TYPE_POINT == {k: v[0] for k, v in EXPECTED_SERVICE_TYPES.items()}
    assert list(SERVICE_TYPE_POINT) == list(EXPECTED_SERVICE_TYPES), "the seed's order"
    assert set(NEEDS_DESTINATION) == {k for k, v in EXPECTED_SERVICE_TYPES.items() if v[1]}


def test_generated_seed_lists_match_the_seeds():
    """macros/seed_lists.sql (the lists the dbt macros expand) is the seeds: `python -m schemas.dbt_lists`."""
    from schemas.dbt_lists import MACRO_FILE, render, seed_lists

    assert MACRO_FILE.read_text(encoding="utf-8") == render(), (
        "dbt_project/macros/seed_lists.sql differs from the seeds: run `python -m schemas.dbt_lists`"
    )
    got = seed_lists()
    assert got["sexes"] == ["F", "M", "U"]
    assert got["age_bands"] == ["0-17", "18-59", "60+", "unknown"]
    assert [(m["table_name"], m["measure"], m["percent_only"]) for m in got["measures"]][:3] == [
        ("fct_indicator_values", "value", False),
        ("fct_indicator_values", "numerator", True),
        ("fct_indicator_values", "denominator", True),
    ]


def test_measures_are_columns_of_their_tables():
    """Every measure of seeds/measures.csv is a documented column of its mart (the models' yml)."""
    import yaml

    header, rows = read_seed("measures.csv")
    assert header == ["position", "table_name", "measure", "percent_only", "disclosure"]
    assert [int(r["position"]) for r in rows] == list(range(1, len(rows) + 1))
    columns = {}
    for table in ("fct_indicator_values", "fct_indicator_window", "fct_indicator_breakdown"):
        doc = yaml.safe_load((REPO / "dbt_project" / "models" / "marts" / f"{table}.yml").read_text(encoding="utf-8"))
        columns[table] = {c["name"] for m in doc["models"] if m["name"] == table for c in m["columns"]}
    for r in rows:
        assert r["measure"] in columns[r["table_name"]], r
        assert r["percent_only"] in ("true", "false") and r["disclosure"] in ("cell", "derived", "none"), r
    # the published numbers of the review's tables, as docs/publication.md lists them
    assert {(r["table_name"], r["measure"]) for r in rows if r["table_name"] == "fct_indicator_window"} == {
        ("fct_indicator_window", m)
        for m in (
            "value",
            "numerator",
            "denominator",
            "yearly_mean",
            "first_year_value",
            "last_year_value",
            "change_pct",
        )
    }
