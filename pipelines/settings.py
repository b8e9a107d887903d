"""Settings shared by Dagster and dbt, all from the environment.

REVIEW_RAW_DIR        extract drop zone (default data/raw)
REVIEW_WAREHOUSE      the published DuckDB file analysts open (default data/warehouse/review.duckdb)
REVIEW_LAKE_DIR       validated rows as Parquet (default data/lake)
REVIEW_PSEUDONYM_KEY  HMAC key for case numbers (a development default, with a warning, when unset)
REVIEW_DBT_TARGET     the engine dbt builds with: `duckdb` (default) or `spark` (docs/scale-out.md).
                      On Spark the marts are Parquet tables under <folder of REVIEW_WAREHOUSE>/spark/
                      (REVIEW_SPARK_DIR overrides), and publishing copies them into REVIEW_WAREHOUSE.
REVIEW_SPARK_MASTER   Spark master URL of the spark target (default local[*]; read by profiles.yml)

Read where they act (README, Settings): REVIEW_SHRINK_LIMIT_PCT and REVIEW_ALLOW_SHRINK (the publish
guard, pipelines/defs/publish.py), REVIEW_ALWAYS_REBUILD and REVIEW_DUCKDB_STORAGE_VERSION
(pipelines/defs/dbt.py), REVIEW_LOG_DIR (pipelines/refresh.py), REVIEW_LOCK_WAIT_SECONDS
(pipelines/operations.py).

Unset, paths default to the repository's own data/ folder; set, a relative path is taken from the
current directory. dbt sees the same values: Dagster passes REVIEW_LAKE_DIR, REVIEW_DBT_PATH (the
file of the build in progress), REVIEW_DBT_TARGET and REVIEW_SPARK_DIR to the dbt process, and
profiles.yml / the sources read them.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DBT_TARGETS = ("duckdb", "spark")
DEV_PSEUDONYM_KEY = "review-dev-key-NOT-SECRET"


def _path(var: str, default: str) -> Path:
    value = os.environ.get(var)
    return Path(value).expanduser().resolve() if value else (REPO / default).resolve()


_warned_default_key = False


def _warn_default_key_once() -> None:
    global _warned_default_key
    _warned_default_key = True
    warnings.warn(
        "REVIEW_PSEUDONYM_KEY is not set: case numbers are hashed with the public development key. "
        "Set a secret key for real data.",
        stacklevel=3,
    )


@dataclass(frozen=True)
class Settings:
    raw_dir: Path
    warehouse: Path
    lake_dir: Path
    pseudonym_key: str
    key_is_default: bool
    dbt_target: str = "duckdb"
    spark_dir_override: Path | None = None

    @property
    def build_path(self) -> Path:
        """The side file a refresh builds into before it is published by an atomic rename."""
        return self.warehouse.with_name(self.warehouse.name + ".build")

    @property
    def on_spark(self) -> bool:
        return self.dbt_target == "spark"

    @property
    def spark_dir(self) -> Path:
        """The Spark target's warehouse (tables as Parquet) and metastore: beside the published file."""
        return self.spark_dir_override or self.warehouse.parent / "spark"

    @classmethod
    def from_env(cls) -> Settings:
        key = os.environ.get("REVIEW_PSEUDONYM_KEY", "")
        if not key and not _warned_default_key:
            _warn_default_key_once()
        return cls(
            raw_dir=_path("REVIEW_RAW_DIR", "data/raw"),
            warehouse=_path("REVIEW_WAREHOUSE", "data/warehouse/review.duckdb"),
            lake_dir=_path("REVIEW_LAKE_DIR", "data/lake"),
            pseudonym_key=key or DEV_PSEUDONYM_KEY,
            key_is_default=not key,
            dbt_target=dbt_target_from_env(),
            spark_dir_override=_path("REVIEW_SPARK_DIR", "") if os.environ.get("REVIEW_SPARK_DIR") else None,
        )

    def dbt_env(self) -> dict[str, str]:
        return {
            "REVIEW_LAKE_DIR": str(self.lake_dir),
            "REVIEW_DBT_PATH": str(self.build_path),
            "REVIEW_DBT_TARGET": self.dbt_target,
            "REVIEW_SPARK_DIR": str(self.spark_dir),
            "REVIEW_SPARK_LOG_CONFIG": str(REPO / "dbt_project" / "spark-log4j2.properties"),
        }


def dbt_target_from_env() -> str:
    """REVIEW_DBT_TARGET: the engine dbt builds with (the profile's output name)."""
    target = os.environ.get("REVIEW_DBT_TARGET", "").strip().lower() or "duckdb"
    if target not in DBT_TARGETS:
        raise ValueError(f"REVIEW_DBT_TARGET must be one of {', '.join(DBT_TARGETS)}, not {target!r}")
    return target
