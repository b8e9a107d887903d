"""bench/dbt_parts.py: a dbt build's wall time split between the parts of the job (docs/performance.md)."""

from __future__ import annotations

from bench.dbt_parts import part_of, parts


def _node(unique_id: str, start: int, end: int) -> dict:
    ts = lambda s: f"2026-12-08T10:00:{s:02d}.000000Z"  # noqa: E731
    return {"unique_id": unique_id, "timing": [{"started_at": ts(start), "completed_at": ts(end)}]}


def test_overlapping_nodes_share_the_wall_time():
    # int_services runs 0-4 s, a data test 2-6 s, a seed 6-7 s: worked by hand, 0-2 s is int_services' alone,
    # 2-4 s is split half and half, 4-6 s is the test's alone, 6-7 s the seed's; the shares add up to 7 s
    run_results = {
        "results": [
            _node("model.review_warehouse.int_services", 0, 4),
            _node("test.review_warehouse.unique_int_services_service_id.abc", 2, 6),
            _node("seed.review_warehouse.iso3_countries", 6, 7),
            {"unique_id": "operation.review_warehouse.on-run-start", "timing": []},
        ]
    }
    assert parts(run_results) == {
        "int_services": (1, 4.0, 3.0),
        "data tests": (1, 4.0, 3.0),
        "seeds": (1, 1.0, 1.0),
    }


def test_parts_of_the_contract_are_told_apart_from_the_counting():
    assert part_of("model.review_warehouse.stg_lake__beneficiaries") == "stg_lake__beneficiaries"
    assert part_of("model.review_warehouse.int_provenance_services_by_cell") == "provenance"
    assert part_of("model.review_warehouse.int_superseded_service_rows") == "provenance"
    assert part_of("model.review_warehouse.int_dimension_records") == "breakdowns"
    assert part_of("model.review_warehouse.fct_indicator_breakdown") == "breakdowns"
    assert part_of("model.review_warehouse.int_plausibility_duplicate_flags") == "plausibility"
    assert part_of("model.review_warehouse.rejected_rows") == "audit"
    assert part_of("unit_test.review_warehouse.int_services.shared_ids_numbered_apart") == "unit tests"
    assert part_of("model.review_warehouse.fct_indicator_values") == "other models"
