"""The Dagster code location: small modules under pipelines/defs composed into one Definitions."""

import warnings

import dagster as dg

from pipelines.defs.automation import drop_zone_sensor, nightly_refresh, pre_council_refresh, with_freshness
from pipelines.defs.dbt import dbt_resource, review_dbt_assets
from pipelines.defs.ingest import ingest_assets
from pipelines.defs.plausibility import plausibility_flags
from pipelines.defs.publication import publish_edition, review_pack
from pipelines.defs.publish import published_figures_hold, warehouse
from pipelines.operations import WriterLock

refresh_job = dg.define_asset_job(
    "refresh",
    selection=dg.AssetSelection.all(),
    description="Full refresh: ingest every extract, build and check the warehouse, publish it.",
)


def build_defs(dbt_target: str | None = None) -> dg.Definitions:
    """The code location, with dbt on the engine `dbt_target` (duckdb or spark; REVIEW_DBT_TARGET's by
    default): the `dbt` resource is the switch, and the publish step follows it."""
    with warnings.catch_warnings():  # map_asset_specs is a preview API: its warning is noise on every load
        warnings.simplefilter("ignore", dg.PreviewWarning)
        return _definitions(dbt_target)


def _definitions(dbt_target: str | None) -> dg.Definitions:
    return dg.Definitions(
        assets=[*ingest_assets, review_dbt_assets, warehouse, review_pack],
        asset_checks=[published_figures_hold, plausibility_flags],
        jobs=[refresh_job, publish_edition],
        schedules=[nightly_refresh, pre_council_refresh],
        sensors=[drop_zone_sensor],
        resources={"dbt": dbt_resource(dbt_target), "writer_lock": WriterLock()},
        # One process per run: the multiprocess executor costs ~10 s per run here and DuckDB wants one writer.
        executor=dg.in_process_executor,
    ).map_asset_specs(func=with_freshness)


defs = build_defs()
