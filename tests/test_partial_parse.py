"""A build keeps dbt's parse state for the next one (pipelines/defs/dbt.py keep_partial_parse), and dbt's
partial parse then re-reads what an environment variable changed: here the lake. Two real refreshes into
the same warehouse, from two drop zones with their own lakes: the second must count the second lake's
services, and must have been a partial parse (else this test would prove nothing about it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from support.tree import B_HEADER, Tree, services

pytestmark = pytest.mark.slow

TARGET = Path(__file__).resolve().parents[1] / "dbt_project" / "target"


def dbt_log(run_id: str) -> str:
    found = sorted(TARGET.glob(f"review_dbt_assets-{run_id[:7]}-*/dbt.log"))
    assert len(found) == 1, f"the dbt log of run {run_id}: {found}"
    return found[0].read_text()


def test_second_build_parses_partially_and_reads_the_new_lake(tmp_path):
    first = Tree(tmp_path / "first")
    first.minimal(women=2)  # 2 pre-consular services in 2009, one person each
    run = first.refresh()
    assert run.success, run.errors
    assert first.pre_consular_2009() == 2

    second = Tree(tmp_path / "second")  # another drop zone and lake ...
    second.minimal(women=2)
    second.write("beneficiaries", "b2.csv", B_HEADER, services("X", 3))  # ... with 3 more persons in 2009
    second.warehouse, second.editions, second.pack, second.logs = (
        first.warehouse,
        first.editions,
        first.pack,
        first.logs,
    )  # ... published to the same warehouse: the build file and so dbt's profile are the same
    run = second.refresh()
    assert run.success, run.errors
    log = dbt_log(run.run_id)
    assert "Partial parsing enabled" in log, "the second build parsed everything: nothing was tested"
    assert "Unable to do partial parsing" not in log
    assert "Partial parsing: updated file: review_warehouse://models/staging/_lake__sources.yml" in log
    assert second.pre_consular_2009() == 5, "the second build read the first lake"
