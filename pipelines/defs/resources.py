"""The resources of a run: the settings (every REVIEW_* setting, read from the environment once when the
run starts), the writer lock (pipelines/operations.py) and the dbt CLI (pipelines/defs/dbt.py)."""

from __future__ import annotations

import dagster as dg

from pipelines.settings import Settings


class ReviewSettings(dg.ConfigurableResource):
    """The project's settings (pipelines/settings.py, README "Settings"), read from the environment when a
    run starts (not when the code is imported: a test or a deployment may change them between runs).
    `dbt_target`: the engine, the same as the `dbt` resource's target (the one switch). It vends the
    `Settings` themselves (Dagster's documented `create_resource` pattern): assets take
    `settings: dg.ResourceParam[Settings]`."""

    dbt_target: str | None = None

    def create_resource(self, context: dg.InitResourceContext) -> Settings:  # type: ignore[override]
        return Settings.from_env(dbt_target=self.dbt_target)


def settings_resource(dbt_target: str | None = None):
    """The `settings` resource as a resource the `writer_lock` shares (built once per run, by key)."""
    return ReviewSettings.configure_at_launch(dbt_target=dbt_target)
