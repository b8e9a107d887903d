"""The dbt project as Dagster assets. dbt tests become asset checks; a failing test blocks publishing."""


import dataclasses
import functools
import os
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets

from pipelines.dbt_metadata import table_observations
from pipelines.defs.ingest import ingest_asset_key
from pipelines.operations import WriterLock, fault_point, log_event
from pipelines.publication.editions import ensure_editions_dir
from pipelines.settings import REPO, Settings, dbt_target_from_env

DBT_DIR = REPO / "dbt_project"
DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt")


def _manifest_is_stale(project: DbtProject) -> bool:
    manifest = Path(project.manifest_path)
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    sources = [p for d in ("models", "macros", "seeds", "tests") for p in (DBT_DIR / d).rglob("*") if p.is_file()]
    sources += [DBT_DIR / "dbt_project.yml", DBT_DIR / "profiles.yml"]
    return any(p.stat().st_mtime > built for p in sources)


@functools.cache
def dbt_project() -> DbtProject:
    """Built once per process. The manifest is (re)parsed when missing or older than the dbt sources,
    so `dagster asset materialize` works on a fresh clone and after a model edit."""
    project = DbtProject(project_dir=DBT_DIR, profiles_dir=DBT_DIR)
    project.prepare_if_dev()
    if _manifest_is_stale(project):
        DbtCliResource(project_dir=project, dbt_executable=DBT_EXECUTABLE).cli(
            ["parse", "--quiet"], target_path=Path(project.target_path)
        ).wait()
    return project


class ReviewTranslator(DagsterDbtTranslator):
    """One place for keys and groups: dbt sources are the ingest assets; models are keyed <schema>/<name>."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            # lake.projects_rejects -> the lake/projects_rejects output of the projects ingest step
            return ingest_asset_key(dbt_resource_props["name"])
        schema = dbt_resource_props.get("config", {}).get("schema") or "main"
        return dg.AssetKey([schema, dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return dbt_resource_props.get("config", {}).get("schema") or "dbt"


TRANSLATOR = ReviewTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


def discard_build_file(settings: Settings) -> None:
    """Remove the side file of a refresh (and its WAL) left by one that died; make its folder."""
    build = settings.build_path
    build.parent.mkdir(parents=True, exist_ok=True)
    for leftover in (build, build.with_name(build.name + ".wal")):
        leftover.unlink(missing_ok=True)


def prepare_build_file(settings: Settings, full_refresh: bool) -> None:
    """Start the side file a refresh builds into. A full refresh starts empty (everything is rebuilt from
    the lake); a partial one starts from a copy of the published warehouse. Leftovers of a refresh that
    died are removed here."""
    discard_build_file(settings)
    if not full_refresh and settings.warehouse.exists():
        shutil.copyfile(settings.warehouse, settings.build_path)


def engine_settings(dbt: DbtCliResource) -> Settings:
    """The settings of a run, with the engine of the `dbt` resource (its target: the one switch; see
    dbt_resource). The publish asset and the reconciliation check use the same."""
    settings = Settings.from_env()
    return dataclasses.replace(settings, dbt_target=dbt.target or settings.dbt_target)


def prepare_spark_build(settings: Settings) -> None:
    """On Spark, dbt builds tables in the Spark warehouse (settings.spark_dir), where they stay between
    refreshes like the published DuckDB file does; only the publish step writes the DuckDB side file."""
    settings.spark_dir.mkdir(parents=True, exist_ok=True)
    discard_build_file(settings)


@dbt_assets(manifest=dbt_project().manifest_path, project=dbt_project(), dagster_dbt_translator=TRANSLATOR)
def review_dbt_assets(context: dg.AssetExecutionContext, dbt: DbtCliResource, writer_lock: WriterLock):
    settings = engine_settings(dbt)
    full = set(context.selected_asset_keys) >= set(context.assets_def.keys)
    if settings.on_spark:
        prepare_spark_build(settings)
    else:
        prepare_build_file(settings, full_refresh=full)
    os.environ.update(settings.dbt_env())  # the dbt process inherits the environment
    ensure_editions_dir(settings)  # marts.edition_values / rpt_restatement read the frozen editions
    fault_point("before_dbt")
    try:
        yield from dbt.cli(["build"], context=context).stream()
        yield from table_observations(settings, context)  # row counts, column schemas (pipelines/dbt_metadata.py)
    except Exception as e:
        log_event(
            settings, context.run.run_id, "failed", stage="dbt build",
            reason=f"not published: dbt build failed (a blocking test or a model error): {type(e).__name__}: {e}"[:2000],
        )  # fmt: skip
        raise


def dbt_resource(target: str | None = None) -> DbtCliResource:
    """The dbt CLI on the engine `target` (a profile output: duckdb or spark), by default
    REVIEW_DBT_TARGET's. This resource is the engine switch of a Dagster deployment."""
    return DbtCliResource(project_dir=dbt_project(), dbt_executable=DBT_EXECUTABLE, target=target or dbt_target_from_env())
