"""Dagster code location for the strategy-review warehouse (`dagster ... -m pipelines`)."""

from pipelines.definitions import defs

__all__ = ["defs"]
