"""The Dagster code location: small modules under pipelines/defs composed into one Definitions."""

import warnings

import dagster as dg

from pipelines.defs.automation import drop_zone_sensor, nightly_refresh, pre_council_refresh, with_freshness
from pipelines.defs.dbt import dbt_resource, review_dbt_assets
from pipelines.defs.ingest import ingest_assets
from pipelines.defs.plausibility import plausibility_flags
from pipelines.defs.publication import editions, publish_edition, review_pack
from pipelines.defs.resources import settings_resource
from pipelines.defs.warehouse import published_figures_hold, warehouse_asset
from pipelines.operations import WriterLock
from pipelines.settings import dbt_target_from_env

refresh_job = dg.define_asset_job(
    "refresh",
    selection=dg.AssetSelection.all(),
    description="Full refresh: ingest every extract, build and check the warehouse, publish it.",
)


def run_resources(dbt_target: str | None = None) -> dict:
    """The resources of every run: `settings` (every REVIEW_* setting, read when the run starts), the
    `writer_lock` on those settings' warehouse and lake, and `dbt` on the engine `dbt_target` (duckdb or
    spark; REVIEW_DBT_TARGET's by default): the dbt resource is the switch, and the settings follow it."""
    target = dbt_target or dbt_target_from_env()
    settings = settings_resource(target)
    return {"settings": settings, "writer_lock": WriterLock(settings=settings), "dbt": dbt_resource(target)}


def build_defs(dbt_target: str | None = None) -> dg.Definitions:
    """The code location, with dbt on the engine `dbt_target` (duckdb or spark; REVIEW_DBT_TARGET's by
    default): the `dbt` resource is the switch, and the publish step follows it."""
    with warnings.catch_warnings():  # map_asset_specs is a preview API: its warning is noise on every load
        warnings.simplefilter("ignore", dg.PreviewWarning)
        return _definitions(dbt_target)


def _definitions(dbt_target: str | None) -> dg.Definitions:
    return dg.Definitions(
        assets=[*ingest_assets, review_dbt_assets, warehouse_asset(review_dbt_assets), review_pack, editions],
        asset_checks=[published_figures_hold, plausibility_flags],
        jobs=[refresh_job, publish_edition],
        schedules=[nightly_refresh, pre_council_refresh],
        sensors=[drop_zone_sensor],
        resources=run_resources(dbt_target),
        # One process per run: the multiprocess executor costs ~10 s per run here and DuckDB wants one writer.
        executor=dg.in_process_executor,
    ).map_asset_specs(func=with_freshness)


defs = build_defs()
