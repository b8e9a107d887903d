"""Every setting of the project, from the environment, in one place (README, Settings).

`Settings.from_env()` reads every `REVIEW_*` variable once and checks it; nothing else in pipelines/ reads
them. In Dagster the settings are the `settings` resource (pipelines/defs/resources.py), built from the
environment when a run starts and passed to the assets, checks and the `writer_lock`; the dbt process gets
the values it reads through `dbt_env()` (its environment: profiles.yml and the models read them with
`env_var`). The command-line tools (`review-publish`, `review-explain`, `make refresh`, `make demo`, `make
docs`) build their own `Settings.from_env()`.

Unset, paths default to the repository's own data/ folder (the editions, the review pack, the logs and the
acknowledgements beside the warehouse's folder); set, a relative path is taken from the current directory.
Test hooks (REVIEW_FAULT_PAUSE_AT, REVIEW_FAULT_MARKER, REVIEW_FAULT_PAUSE_SECONDS) are not settings: they
are read where they act (pipelines/operations.py fault_point, pipelines/publication/editions.py).
"""

from __future__ import annotations

import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DBT_TARGETS = ("duckdb", "spark")
DEV_PSEUDONYM_KEY = "review-dev-key-NOT-SECRET"
COUNCIL_CALENDAR = REPO / "pipelines" / "defs" / "council_calendar.yaml"
DEFAULT_DISCLOSURE_K = 5
TRUE = ("1", "true", "yes")


class SettingsError(ValueError):
    """A setting whose value cannot be used: the message names the variable and what it must be."""


def _path(var: str, default: str) -> Path:
    value = os.environ.get(var)
    return Path(value).expanduser().resolve() if value else (REPO / default).resolve()


def _env(var: str, default: str = "") -> str:
    return os.environ.get(var, "").strip() or default


_warned_default_key = False


def _warn_default_key_once() -> None:
    global _warned_default_key
    _warned_default_key = True
    warnings.warn(
        "REVIEW_PSEUDONYM_KEY is not set: case numbers are hashed with the public development key. "
        "Set a secret key for real data.",
        stacklevel=3,
    )


def _default_ingest_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))


@dataclass(frozen=True)
class Settings:
    raw_dir: Path
    warehouse: Path
    lake_dir: Path
    pseudonym_key: str
    key_is_default: bool
    dbt_target: str = "duckdb"
    spark_dir_override: Path | None = None
    # beside the warehouse's folder when None (filled in by __post_init__)
    editions_dir: Path = None  # type: ignore[assignment]
    pack_dir: Path = None  # type: ignore[assignment]
    acknowledgements: Path = None  # type: ignore[assignment]
    log_dir: Path = None  # type: ignore[assignment]
    disclosure_k: int = DEFAULT_DISCLOSURE_K
    shrink_limit_pct: float = 20.0
    allow_shrink: bool = False
    always_rebuild: bool = False
    storage_version: str = "v1.5.0"
    lock_wait_seconds: float = 1800.0
    ingest_workers: int = 0  # 0: one per core, at most 2
    council_calendar: Path = COUNCIL_CALENDAR
    # read by dbt only (profiles.yml), passed to it by dbt_env()
    duckdb_memory_limit: str = "1000MB"
    spark_master: str = "local[*]"
    spark_threads: str = "2"
    spark_driver_memory: str = "2g"
    spark_shuffle_partitions: str = "8"

    def __post_init__(self) -> None:
        beside = self.warehouse.parent.parent  # data/ for data/warehouse/review.duckdb
        for name, default in (
            ("editions_dir", beside / "editions"),
            ("pack_dir", beside / "review_pack"),
            ("acknowledgements", beside / "acknowledgements.csv"),
            ("log_dir", beside / "logs"),
        ):
            if getattr(self, name) is None:
                object.__setattr__(self, name, default.resolve())
        if not self.ingest_workers:
            object.__setattr__(self, "ingest_workers", _default_ingest_workers())

    @property
    def build_path(self) -> Path:
        """The side file a refresh builds into before it is published by an atomic rename."""
        return self.warehouse.with_name(self.warehouse.name + ".build")

    @property
    def state_path(self) -> Path:
        """The build database: the DuckDB file dbt builds into, kept between refreshes so that the next full
        refresh updates the winning versions of the deliveries that changed instead of rebuilding them
        (pipelines/build_file.py). Never published: a successful build is copied to `build_path`."""
        return self.warehouse.with_name(self.warehouse.name + ".state")

    @property
    def on_spark(self) -> bool:
        return self.dbt_target == "spark"

    @property
    def spark_dir(self) -> Path:
        """The Spark target's warehouse (tables as Parquet) and metastore: beside the published file."""
        return self.spark_dir_override or self.warehouse.parent / "spark"

    @classmethod
    def from_env(cls, dbt_target: str | None = None) -> Settings:
        """Every setting from the environment, checked. `dbt_target`: the engine, when the caller decides it
        (the Dagster `dbt` resource's target); else REVIEW_DBT_TARGET's."""
        key = os.environ.get("REVIEW_PSEUDONYM_KEY", "")
        if not key and not _warned_default_key:
            _warn_default_key_once()
        warehouse = _path("REVIEW_WAREHOUSE", "data/warehouse/review.duckdb")

        def beside(var: str) -> Path | None:  # set: the variable; unset: beside the warehouse's folder
            return _path(var, "") if os.environ.get(var) else None

        return cls(
            raw_dir=_path("REVIEW_RAW_DIR", "data/raw"),
            warehouse=warehouse,
            lake_dir=_path("REVIEW_LAKE_DIR", "data/lake"),
            pseudonym_key=key or DEV_PSEUDONYM_KEY,
            key_is_default=not key,
            dbt_target=dbt_target or dbt_target_from_env(),
            spark_dir_override=beside("REVIEW_SPARK_DIR"),
            editions_dir=beside("REVIEW_EDITIONS_DIR"),
            pack_dir=beside("REVIEW_PACK_DIR"),
            acknowledgements=beside("REVIEW_ACKNOWLEDGEMENTS"),
            log_dir=beside("REVIEW_LOG_DIR"),
            disclosure_k=_disclosure_k(),
            shrink_limit_pct=_shrink_limit_pct(),
            allow_shrink=_env("REVIEW_ALLOW_SHRINK").lower() in TRUE,
            always_rebuild=_env("REVIEW_ALWAYS_REBUILD") in TRUE,
            storage_version=_storage_version(),
            lock_wait_seconds=_number("REVIEW_LOCK_WAIT_SECONDS", "1800"),
            ingest_workers=ingest_workers_from_env(),
            council_calendar=_path("REVIEW_COUNCIL_CALENDAR", str(COUNCIL_CALENDAR)),
            duckdb_memory_limit=_env("REVIEW_DUCKDB_MEMORY_LIMIT", "1000MB"),
            spark_master=_env("REVIEW_SPARK_MASTER", "local[*]"),
            spark_threads=_env("REVIEW_SPARK_THREADS", "2"),
            spark_driver_memory=_env("REVIEW_SPARK_DRIVER_MEMORY", "2g"),
            spark_shuffle_partitions=_env("REVIEW_SPARK_SHUFFLE_PARTITIONS", "8"),
        )

    def dbt_env(self) -> dict[str, str]:
        """The settings the dbt process reads (profiles.yml, the lake sources), as its environment."""
        return {
            "REVIEW_LAKE_DIR": str(self.lake_dir),
            "REVIEW_DBT_PATH": str(self.state_path),
            # the deliveries added and removed since the build database's last build (build_file.py)
            "REVIEW_BUILD_DELTA": str(self.state_path) + ".delta.parquet",
            "REVIEW_DBT_TARGET": self.dbt_target,
            "REVIEW_SPARK_DIR": str(self.spark_dir),
            "REVIEW_SPARK_LOG_CONFIG": str(REPO / "dbt_project" / "spark-log4j2.properties"),
            "REVIEW_DUCKDB_MEMORY_LIMIT": self.duckdb_memory_limit,
            "REVIEW_SPARK_MASTER": self.spark_master,
            "REVIEW_SPARK_THREADS": self.spark_threads,
            "REVIEW_SPARK_DRIVER_MEMORY": self.spark_driver_memory,
            "REVIEW_SPARK_SHUFFLE_PARTITIONS": self.spark_shuffle_partitions,
        }


def dbt_target_from_env() -> str:
    """REVIEW_DBT_TARGET: the engine dbt builds with (the profile's output name)."""
    target = os.environ.get("REVIEW_DBT_TARGET", "").strip().lower() or "duckdb"
    if target not in DBT_TARGETS:
        raise SettingsError(f"REVIEW_DBT_TARGET must be one of {', '.join(DBT_TARGETS)}, not {target!r}")
    return target


def _number(var: str, default: str) -> float:
    raw = _env(var, default)
    try:
        return float(raw)
    except ValueError:
        raise SettingsError(f"{var} must be a number, not {raw!r}.") from None


def _shrink_limit_pct() -> float:
    """REVIEW_SHRINK_LIMIT_PCT: how many per cent fewer valid rows of a kind than the published warehouse
    a build may have and still be published (default 20)."""
    raw = _env("REVIEW_SHRINK_LIMIT_PCT", "20")
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(
            f"REVIEW_SHRINK_LIMIT_PCT must be a number of per cent between 0 and 100, not {raw!r}."
        ) from None
    if not 0 <= value <= 100:
        raise SettingsError(f"REVIEW_SHRINK_LIMIT_PCT must be between 0 and 100, not {raw!r}.")
    return value


def _storage_version() -> str:
    """REVIEW_DUCKDB_STORAGE_VERSION: the DuckDB storage format of the published file (default v1.5.0,
    which DuckDB 2.0 writes and the DuckDB 1.5 CLI, the newest on PyPI, reads). `latest`: DuckDB's own."""
    value = _env("REVIEW_DUCKDB_STORAGE_VERSION", "v1.5.0")
    if value != "latest" and not re.fullmatch(r"v\d+\.\d+\.\d+", value):
        raise SettingsError(f"REVIEW_DUCKDB_STORAGE_VERSION must look like v1.5.0 (or be `latest`), not {value!r}.")
    return value


def _disclosure_k() -> int:
    """REVIEW_DISCLOSURE_K (default 5): cells with 1..k persons or records are suppressed."""
    raw = _env("REVIEW_DISCLOSURE_K")
    try:
        k = int(raw) if raw else DEFAULT_DISCLOSURE_K
    except ValueError:
        raise SettingsError(f"REVIEW_DISCLOSURE_K must be a whole number of at least 2, not {raw!r}") from None
    if k < 2:
        # With k = 1 a 'C' flag would say "exactly 1": the flag itself would disclose the value.
        raise SettingsError(f"REVIEW_DISCLOSURE_K must be at least 2, not {k}")
    return k


def ingest_workers_from_env() -> int:
    """REVIEW_INGEST_WORKERS: deliveries validated at the same time (default: one per core, at most 2).
    Validation is mostly polars work outside the GIL, yet one file keeps about one core busy."""
    raw = _env("REVIEW_INGEST_WORKERS")
    try:
        return max(1, int(raw)) if raw else _default_ingest_workers()
    except ValueError:
        raise SettingsError(f"REVIEW_INGEST_WORKERS must be a whole number, not {raw!r}") from None
