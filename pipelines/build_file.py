"""The build file: the side file `<warehouse>.build` a refresh builds into before the publish step renames
it onto the warehouse (README, How a refresh works).

A full refresh starts it empty (everything is rebuilt from the lake), a partial one from a copy of the
published warehouse; a refresh that fails removes it and its WAL. It is written in the DuckDB storage
format of `Settings.storage_version` (REVIEW_DUCKDB_STORAGE_VERSION), which analysts' CLIs read. On Spark
dbt builds Parquet tables under `Settings.spark_dir` and the publish step copies them into a build file.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from pipelines.settings import Settings

# The schemas dbt builds (generate_schema_name); on Spark each is a database, a folder <schema>.db.
BUILD_SCHEMAS = ("reference", "staging", "intermediate", "marts", "audit")


class NoBuild(RuntimeError):
    """There is no build to publish."""


def sql_path(path: Path) -> str:
    """A path as the text of an SQL string literal."""
    return str(path).replace("'", "''")


def discard_build_file(settings: Settings) -> None:
    """Remove the side file of a refresh (and its WAL) left by one that died; make its folder."""
    build = settings.build_path
    build.parent.mkdir(parents=True, exist_ok=True)
    for leftover in (build, build.with_name(build.name + ".wal")):
        leftover.unlink(missing_ok=True)


def create_duckdb_file(path: Path, storage_version: str) -> None:
    """An empty DuckDB file in the storage format `storage_version` (`latest`: DuckDB's own)."""
    con = duckdb.connect()
    try:
        option = "" if storage_version == "latest" else f" (storage_version '{storage_version}')"
        con.execute(f"attach '{sql_path(path)}' as build_file{option}")
        con.execute("detach build_file")
    finally:
        con.close()


def prepare_build_file(settings: Settings, full_refresh: bool) -> None:
    """Start the side file a refresh builds into. A full refresh starts empty (everything is rebuilt from
    the lake); a partial one starts from a copy of the published warehouse. Leftovers of a refresh that
    died are removed here."""
    discard_build_file(settings)
    if not full_refresh and settings.warehouse.exists():
        shutil.copyfile(settings.warehouse, settings.build_path)
    else:
        create_duckdb_file(settings.build_path, settings.storage_version)


def prepare_spark_build(settings: Settings) -> None:
    """On Spark, dbt builds tables in the Spark warehouse (settings.spark_dir), where they stay between
    refreshes like the published DuckDB file does; only the publish step writes the DuckDB side file."""
    settings.spark_dir.mkdir(parents=True, exist_ok=True)
    discard_build_file(settings)


def spark_table_dir(settings: Settings, schema: str, table: str = "") -> Path:
    """The folder of a Spark table's Parquet files (of a schema's tables when `table` is empty)."""
    return settings.spark_dir / "warehouse" / f"{schema}.db" / table


def spark_tables(settings: Settings) -> list[tuple[str, str, Path]]:
    """(schema, table, folder of its Parquet files) of every table the Spark build holds."""
    found = []
    for schema in BUILD_SCHEMAS:
        folder = spark_table_dir(settings, schema)
        if folder.is_dir():
            found += [(schema, t.name, t) for t in sorted(folder.iterdir()) if t.is_dir() and any(t.glob("*.parquet"))]
    return found


def export_spark_build(settings: Settings) -> int:
    """Make the build file from the Spark warehouse's tables. Returns the number of tables copied."""
    discard_build_file(settings)
    tables = spark_tables(settings)
    if not any(schema == "marts" for schema, _, _ in tables):
        raise NoBuild(f"No Spark build to publish under {settings.spark_dir}: the dbt step did not produce one.")
    create_duckdb_file(settings.build_path, settings.storage_version)  # in the storage format analysts' CLIs read
    con = duckdb.connect(str(settings.build_path))
    try:
        for schema, name, folder in tables:
            con.execute(f'create schema if not exists "{schema}"')
            con.execute(
                f'create table "{schema}"."{name}" as select * from read_parquet(\'{sql_path(folder)}/*.parquet\')'
            )
        con.execute("checkpoint")
    finally:
        con.close()
    return len(tables)
