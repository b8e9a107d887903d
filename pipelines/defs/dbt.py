"""The dbt project as Dagster assets. dbt tests become asset checks; a failing test blocks publishing."""

import contextlib
import functools
import importlib.metadata
import os
import shutil
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets
from dagster_dbt.dbt_project import DagsterDbtProjectPreparer
from packaging import version

from pipelines.build_file import discard_build_file, discard_state, finish_build, prepare_build, prepare_spark_build
from pipelines.dbt_metadata import with_table_metadata
from pipelines.defs.ingest import ingest_asset_key
from pipelines.operations import WriterLock, fault_point, inputs_fingerprint, log_event, unchanged_since_published
from pipelines.publication import editions, plausibility
from pipelines.settings import REPO, Settings

DBT_DIR = REPO / "dbt_project"
DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt")


class VenvDbtCliResource(DbtCliResource):
    """dagster-dbt's dbt CLI resource without two costs of every `cli()` call (~5.9 s each, measured:
    docs/performance.md), neither of which this project uses:
    - the version of the executable, which dagster-dbt learns by running `dbt --version` (4.3 s: a
      process that imports dbt and its plugins). The executable is this venv's (DBT_EXECUTABLE), so its
      version is that of the dbt-core package this process imports;
    - a dbt adapter built in the Dagster process (1.6 s: profile, project, DuckDB adapter), which
      dagster-dbt needs only for `fetch_row_counts()` / `fetch_column_metadata()`. They cannot work on
      DuckDB here (pipelines/dbt_metadata.py reads the finished build file instead); without an adapter
      dagster-dbt skips them, as it does for dbt Fusion.
    Both are private methods of the pinned dagster-dbt (uv.lock); tests/test_definitions.py fails if they
    are renamed, so that an upgrade does not silently bring the costs back."""

    @functools.cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):  # noqa: ARG002 - dagster-dbt's signature
        return None


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
        VenvDbtCliResource(project_dir=project, dbt_executable=DBT_EXECUTABLE).cli(
            ["deps", "--quiet"], target_path=project.target_path
        ).wait()

    def _prepare_manifest(self, project: DbtProject) -> None:
        VenvDbtCliResource(project_dir=project, dbt_executable=DBT_EXECUTABLE).cli(
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
        VenvDbtCliResource(project_dir=project, dbt_executable=DBT_EXECUTABLE).cli(
            ["parse", "--quiet"], target_path=Path(project.target_path)
        ).wait()
    return project


def keep_partial_parse(run_target: Path, project_target: Path) -> None:
    """Keep a finished build's parse state (`partial_parse.msgpack`) where dagster-dbt copies it from into
    the next build's target folder, so that the next build parses only what changed (~5 s less per
    refresh, docs/performance.md). The parse at load (`dbt parse`, when the manifest is stale) has
    another profile (no build file, no `--target`), so dbt discarded its state in every build; a build's
    state has the profile of the next build of the same warehouse. What dbt then parses again is its own
    rule: the files that changed and those that read an environment variable whose value changed (the
    lake, editions and acknowledgement paths; tests/test_partial_parse.py changes the lake between two
    builds). Replaced atomically: a build copying it meanwhile gets the old or the new file, never a torn one."""
    state = run_target / "partial_parse.msgpack"
    if not state.is_file():
        return
    tmp = project_target / f".partial_parse.msgpack.{os.getpid()}.tmp"
    try:
        shutil.copyfile(state, tmp)
        os.replace(tmp, project_target / "partial_parse.msgpack")
    except OSError:  # e.g. a read-only checkout: the next build parses in full, as before
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


KEPT_RUN_TARGETS = 10


def prune_run_targets(run_target: Path, project_target: Path, keep: int = KEPT_RUN_TARGETS) -> None:
    """Remove the target folders of earlier builds (`<asset>-<run>-<hash>`, one per dbt invocation, ~15 MB
    each at any scale: the manifest, run_results.json, the compiled SQL and dbt.log), keeping the `keep` most
    recent and this build's. Without it a daily refresh left ~5 GB a year in dbt_project/target/."""
    run_target = run_target.resolve()
    prefix = run_target.name.split("-")[0] + "-"
    try:
        earlier = [
            d
            for d in project_target.iterdir()
            if d.is_dir() and d.name.startswith(prefix) and d.resolve() != run_target
        ]
        earlier.sort(key=lambda d: d.stat().st_mtime, reverse=True)
    except OSError:
        return
    for d in earlier[max(0, keep - 1) :]:
        shutil.rmtree(d, ignore_errors=True)


EDITIONS = dg.AssetKey(["editions"])


class ReviewTranslator(DagsterDbtTranslator):
    """One place for keys and groups: the dbt sources `lake.*` are the ingest assets and `editions.*` the
    editions asset (pipelines/defs/publication.py); models are keyed <schema>/<name>."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source" and dbt_resource_props["source_name"] == "editions":
            return EDITIONS  # every frozen edition: marts.edition_values, edition_provenance, rpt_restatement
        if dbt_resource_props["resource_type"] == "source":
            # lake.projects_rejects -> the lake/projects_rejects output of the projects ingest step
            return ingest_asset_key(dbt_resource_props["name"])
        schema = dbt_resource_props.get("config", {}).get("schema") or "main"
        return dg.AssetKey([schema, dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return dbt_resource_props.get("config", {}).get("schema") or "dbt"


TRANSLATOR = ReviewTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


@contextlib.contextmanager
def process_env(env: Mapping[str, str]) -> Iterator[None]:
    """`env` in the environment while the dbt process is started (it inherits the environment; the
    DbtCliResource takes no environment of its own), and the environment as it was afterwards."""
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _finish(context: dg.AssetExecutionContext, settings: Settings, run_id: str, deliveries) -> None:
    """The build passed: its build file made (finish_build), and which models it recomputed only in part
    logged (event `build_finished`: an incremental build that rebuilt a model whole says so here)."""
    in_part = finish_build(settings, deliveries)
    context.log.info(
        f"dbt build passed; recomputed in part: {', '.join(in_part) or 'none (every model rebuilt whole)'}"
    )
    log_event(settings, run_id, "build_finished", recomputed_in_part=in_part)


def _then(events: Iterator, after: Callable[[], object]) -> Iterator:
    """`events`, then `after()` once they are exhausted (dbt has exited and passed: a failure raises)."""
    yield from events
    after()


@dbt_assets(manifest=dbt_project().manifest_path, project=dbt_project(), dagster_dbt_translator=TRANSLATOR)
def review_dbt_assets(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    writer_lock: WriterLock,
    settings: dg.ResourceParam[Settings],
):
    run_id = context.run.run_id
    # every dbt asset selected (context.assets_def is the subset the run selected: compare with the whole)
    full = set(context.selected_asset_keys) >= set(review_dbt_assets.keys)
    # marts.edition_values / rpt_restatement read the editions whose manifest verifies, linked into a
    # folder of their own (never a temporary folder of a publish in progress or killed).
    editions_view, edition_warnings = editions.ensure_editions_dir(settings)
    for w in edition_warnings:
        context.log.warning(w)
        log_event(settings, run_id, "warning", stage="editions", message=w)
    acknowledgements_env = plausibility.prepare_acknowledgements(settings)  # read by rpt_plausibility
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
    deliveries = None
    args = ["build"]
    if settings.on_spark:
        prepare_spark_build(settings)
    else:
        how, deliveries = prepare_build(settings, full_refresh=full)
        if how.startswith("incremental"):
            # A unit test's result depends only on the code and the engine's versions, which the build database's
            # marker names: the build this one continues passed them with the same (pipelines/build_file.py).
            args += ["--exclude-resource-type", "unit_test"]
            how += "; unit tests not run again (passed with this code in the last build)"
        context.log.info(f"dbt build: {how}")
        log_event(settings, run_id, "build_started", how=how)
    # What the dbt process reads: the settings, the editions and rule versions, the acknowledgements.
    env = {
        **settings.dbt_env(),
        **editions.dbt_env(editions_view),
        **acknowledgements_env,
    }
    if not full:  # a partial build starts from the published warehouse: its winning versions are all decided again
        env["REVIEW_BUILD_DELTA"] = ""
    fault_point("before_dbt")
    try:
        with process_env(env):
            invocation = dbt.cli(args, context=context)  # starts the dbt process
        # row counts, column schemas and column lineage on the materializations, read once dbt has exited
        # (pipelines/dbt_metadata.py)
        yield from with_table_metadata(
            invocation.stream()
            if settings.on_spark
            else _then(invocation.stream(), lambda: _finish(context, settings, run_id, deliveries)),
            settings,
            context,
            invocation,
            TRANSLATOR,
            dbt_project(),
        )
        keep_partial_parse(invocation.target_path, Path(dbt_project().project_dir) / dbt_project().target_path)
        prune_run_targets(invocation.target_path, Path(dbt_project().project_dir) / dbt_project().target_path)
    except Exception as e:
        # a failed build (disk full, a failing test) leaves nothing behind: no build file, no build database
        discard_build_file(settings)
        discard_state(settings)
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
        discard_state(settings)
        raise
    log_event(settings, run_id, "built", fingerprint=fingerprint["digest"] if fingerprint else None)


def dbt_resource(target: str) -> VenvDbtCliResource:
    """The dbt CLI on the engine `target` (a profile output: duckdb or spark). This resource is the engine
    switch of a Dagster deployment; the `settings` resource is given the same target (definitions.py)."""
    return VenvDbtCliResource(project_dir=dbt_project(), dbt_executable=DBT_EXECUTABLE, target=target)
