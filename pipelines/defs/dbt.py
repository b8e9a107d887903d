"""The dbt project as Dagster assets. dbt tests become asset checks; a failing test blocks publishing."""

import contextlib
import dataclasses
import functools
import os
import re
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets
from dagster_dbt.dbt_project import DagsterDbtProjectPreparer

from pipelines.dbt_metadata import with_table_metadata
from pipelines.defs.ingest import ingest_asset_key
from pipelines.operations import WriterLock, fault_point, inputs_fingerprint, last_published, log_event, run_events
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


class VenvDbtPreparer(DagsterDbtProjectPreparer):
    """dagster-dbt's preparer (under `dagster dev`: re-parse at load) with the venv's dbt: the code
    location of `dagster dev` does not have the venv on PATH, and the default preparer runs `dbt`."""

    def _prepare_packages(self, project: DbtProject) -> None:
        DbtCliResource(project_dir=project, dbt_executable=DBT_EXECUTABLE).cli(
            ["deps", "--quiet"], target_path=project.target_path
        ).wait()

    def _prepare_manifest(self, project: DbtProject) -> None:
        DbtCliResource(project_dir=project, dbt_executable=DBT_EXECUTABLE).cli(
            self._prepare_project_cli_args, target_path=project.target_path
        ).wait()
        self._invalidate_seeds_in_partial_parse(project)


@functools.cache
def dbt_project() -> DbtProject:
    """Built once per process. The manifest is (re)parsed when missing or older than the dbt sources,
    so `dagster asset materialize` works on a fresh clone and after a model edit. Every dbt call is
    the venv's executable (DBT_EXECUTABLE), `dagster dev`'s parse at load included."""
    project = DbtProject(project_dir=DBT_DIR, profiles_dir=DBT_DIR)
    VenvDbtPreparer().prepare_if_dev(project)  # not project.prepare_if_dev(): its preparer runs `dbt` from PATH
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
    else:
        create_duckdb_file(settings.build_path)


def storage_version() -> str:
    """REVIEW_DUCKDB_STORAGE_VERSION: the DuckDB storage format of the published file (default v1.5.0,
    which DuckDB 2.0 writes and the DuckDB 1.5 CLI, the newest on PyPI, reads). `latest`: DuckDB's own."""
    value = os.environ.get("REVIEW_DUCKDB_STORAGE_VERSION", "").strip() or "v1.5.0"
    if value != "latest" and not re.fullmatch(r"v\d+\.\d+\.\d+", value):
        raise dg.Failure(f"REVIEW_DUCKDB_STORAGE_VERSION must look like v1.5.0 (or be `latest`), not {value!r}.")
    return value


def create_duckdb_file(path: Path) -> None:
    """An empty DuckDB file in the storage format of storage_version(); dbt then builds into it."""
    import duckdb

    version = storage_version()
    con = duckdb.connect()
    try:
        option = "" if version == "latest" else f" (storage_version '{version}')"
        con.execute(f"attach '{str(path).replace(chr(39), chr(39) * 2)}' as build_file{option}")
        con.execute("detach build_file")
    finally:
        con.close()


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


def unchanged_since_published(settings: Settings, fingerprint: dict) -> dict | None:
    """The last published refresh when it was built from exactly these inputs (files, editions, engine,
    code): then a new build would be the same, and the refresh stops here. Disable: REVIEW_ALWAYS_REBUILD=1."""
    if os.environ.get("REVIEW_ALWAYS_REBUILD", "").strip() in ("1", "true", "yes"):
        return None
    last = last_published(settings)
    if last and last.get("fingerprint") == fingerprint["digest"]:
        # ... and its review pack was written (a pack that failed is written again by a full refresh)
        if any(e.get("event") == "pack_written" for e in run_events(settings, last["run_id"])):
            return last
    return None


@dbt_assets(manifest=dbt_project().manifest_path, project=dbt_project(), dagster_dbt_translator=TRANSLATOR)
def review_dbt_assets(context: dg.AssetExecutionContext, dbt: DbtCliResource, writer_lock: WriterLock):
    settings = engine_settings(dbt)
    run_id = context.run.run_id
    full = set(context.selected_asset_keys) >= set(context.assets_def.keys)
    # marts.edition_values / rpt_restatement read the editions whose manifest verifies, linked into a
    # folder of their own (never a temporary folder of a publish in progress or killed).
    editions_view, edition_warnings = ensure_editions_dir(settings)
    for w in edition_warnings:
        context.log.warning(w)
        log_event(settings, run_id, "warning", stage="editions", message=w)
    fingerprint = inputs_fingerprint(settings, editions_view) if full else None
    if fingerprint is not None:
        last = unchanged_since_published(settings, fingerprint)
        if last is not None:
            msg = (
                f"Nothing new since the published build (run {last['run_id'][:8]}, {last['at'][:19]} UTC): the same "
                f"{fingerprint['files']} files (by SHA-256), editions and code. Not rebuilt, not republished."
            )
            context.log.info(msg)
            log_event(settings, run_id, "unchanged", message=msg, published_run=last["run_id"])
            return  # no materialization: the publish step and the pack are skipped
    if settings.on_spark:
        prepare_spark_build(settings)
    else:
        prepare_build_file(settings, full_refresh=full)
    os.environ.update(settings.dbt_env())  # the dbt process inherits the environment
    saved_editions = os.environ.get("REVIEW_EDITIONS_DIR")
    os.environ["REVIEW_EDITIONS_DIR"] = str(editions_view)  # for the dbt process only (restored below)
    fault_point("before_dbt")
    try:
        invocation = dbt.cli(["build"], context=context)
        # row counts, column schemas and column lineage on the materializations, read once dbt has exited
        # (pipelines/dbt_metadata.py)
        yield from with_table_metadata(invocation.stream(), settings, context, invocation, TRANSLATOR, dbt_project())
    except Exception as e:
        discard_build_file(settings)  # a failed build (disk full, a failing test) leaves nothing behind
        with contextlib.suppress(OSError):  # a full disk must not hide the first error
            log_event(
                settings,
                run_id,
                "failed",
                stage="dbt build",
                reason=f"not published: dbt build failed (a blocking test or a model error): {type(e).__name__}: {e}"[
                    :2000
                ],
            )
        raise
    except BaseException:  # interrupted (run terminated): no leftovers either
        discard_build_file(settings)
        raise
    finally:
        if saved_editions is None:
            os.environ.pop("REVIEW_EDITIONS_DIR", None)
        else:
            os.environ["REVIEW_EDITIONS_DIR"] = saved_editions
    log_event(settings, run_id, "built", fingerprint=fingerprint["digest"] if fingerprint else None)


def dbt_resource(target: str | None = None) -> DbtCliResource:
    """The dbt CLI on the engine `target` (a profile output: duckdb or spark), by default
    REVIEW_DBT_TARGET's. This resource is the engine switch of a Dagster deployment."""
    return DbtCliResource(
        project_dir=dbt_project(), dbt_executable=DBT_EXECUTABLE, target=target or dbt_target_from_env()
    )
