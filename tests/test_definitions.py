"""The asset graph: what `dagster dev` shows and `dagster asset materialize -m pipelines` runs."""

from pathlib import Path

import dagster as dg
import pytest

from pipelines.definitions import defs

SNAPSHOT = Path(__file__).parent / "snapshots" / "asset_graph.txt"


@pytest.fixture(scope="module")
def graph():
    return defs.resolve_asset_graph()


def _edges(graph) -> list[str]:
    lines = []
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        parents = sorted(p.to_user_string() for p in graph.get(key).parent_keys)
        lines.append(f"{key.to_user_string()} <- {', '.join(parents) or '(root)'}")
    return lines


def test_asset_graph_matches_snapshot(graph):
    """A change to the graph shows up as a diff here; refresh with UPDATE_SNAPSHOT=1 after reviewing it."""
    import os

    current = "\n".join(_edges(graph)) + "\n"
    if os.environ.get("UPDATE_SNAPSHOT") == "1":
        SNAPSHOT.write_text(current)
    assert current == SNAPSHOT.read_text()


def test_ingest_feeds_dbt_and_publish_waits_for_every_mart(graph):
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    for kind in ("projects", "expenditures", "beneficiaries"):
        assert {f"lake/{kind}", f"lake/{kind}_rejects", f"lake/{kind}_files"} <= keys
    marts = {
        "marts/fct_indicator_values",
        "marts/fct_indicator_window",
        "marts/fct_indicator_breakdown",
        "marts/dim_indicator",
        "marts/dim_strategy_point",
        "marts/rpt_reconciliation",
    }
    audit = {"audit/rejected_rows", "audit/rejected_files", "audit/held_rows"}
    assert marts | audit <= keys
    publish_parents = {p.to_user_string() for p in graph.get(dg.AssetKey("warehouse")).parent_keys}
    assert marts | audit <= publish_parents
    assert "lake/beneficiaries" in {
        p.to_user_string() for p in graph.get(dg.AssetKey(["staging", "stg_lake__beneficiaries_delivered"])).parent_keys
    }


def test_checks_are_declared(graph):
    checks = {(c.asset_key.to_user_string(), c.name) for c in graph.asset_check_keys}
    for kind in ("projects", "expenditures", "beneficiaries"):
        assert (f"lake/{kind}", "pandera_rows") in checks
        assert (f"lake/{kind}", "files_readable") in checks
    assert ("marts/rpt_reconciliation", "published_figures_hold") in checks
    # dbt tests are asset checks too
    assert any(name.startswith("unique_combination_fct_indicator_values") for _, name in checks)


def test_refresh_job_runs_in_process():
    assert defs.resolve_job_def("refresh").executor_def.name == "in_process"


def test_editions_feed_the_models_that_read_them_back(graph):
    """The loop warehouse -> edition -> restatement: the editions (frozen by the publish_edition job, not
    by a refresh) are upstream of the three models that read them (the dbt source `editions`)."""
    node = graph.get(dg.AssetKey("editions"))
    assert {c.to_user_string() for c in node.child_keys} == {
        "marts/edition_values",
        "marts/edition_provenance",
        "marts/rpt_restatement",
    }
    assert not node.is_materializable
    assert dg.AssetKey("editions") not in defs.resolve_job_def("refresh").asset_layer.selected_asset_keys


def test_dbt_resource_knows_its_version_without_running_dbt_and_builds_no_adapter():
    """pipelines/defs/dbt.py VenvDbtCliResource: the version dagster-dbt would learn from `dbt --version`
    is the venv's dbt-core's, and no dbt adapter is built in the Dagster process. It overrides two private
    methods of dagster-dbt: if an upgrade renames them, the overrides would silently stop applying."""
    import re
    import subprocess

    from dagster_dbt import DbtCliResource

    from pipelines.defs.dbt import DBT_EXECUTABLE, dbt_resource

    for name in ("_cli_version", "_initialize_dbt_core_adapter"):
        assert name in vars(DbtCliResource), f"dagster-dbt no longer has DbtCliResource.{name}"
    resource = dbt_resource("duckdb")
    printed = subprocess.run([DBT_EXECUTABLE, "--version"], capture_output=True, text=True, check=True).stdout
    assert str(resource._cli_version) == re.search(r"installed:\s*(\d+\.\d+\.\d+)", printed).group(1)
    assert resource._initialize_dbt_core_adapter(["build"]) is None
