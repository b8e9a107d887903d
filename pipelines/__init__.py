"""Dagster code location for the strategy-review warehouse (`dagster ... -m pipelines`)."""

import os

# Polars allocates through its own jemalloc. Polars sets decay times, but without a background thread
# freed pages go back to the system only when polars allocates again: after ingest the refresh process
# kept ~0.4 GiB it no longer used while dbt built beside it (scale 10, docs/performance.md). A background
# thread returns them within about a second. Polars reads this once, at its first import (it appends it
# to its own settings): hence here, before anything imports polars. An explicit setting wins.
os.environ.setdefault("_RJEM_MALLOC_CONF", "background_thread:true,muzzy_decay_ms:0")

# `defs` is imported on first use (Dagster finds it through dir() and getattr), so that the command-line
# tools of pipelines.publication (review-explain: under 2 s) do not pay for importing Dagster.
__all__ = ["defs"]


def __getattr__(name: str):
    if name == "defs":
        from pipelines.definitions import defs

        # importing it bound `pipelines.defs` to the subpackage pipelines/defs: the Definitions win, as
        # they did when this module imported them eagerly
        globals()["defs"] = defs
        return defs
    raise AttributeError(f"module 'pipelines' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | {"defs"})
