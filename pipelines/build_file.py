"""The build database and the build file (README, How a refresh works).

dbt builds into the build database, `<warehouse>.state` (`Settings.state_path`), which is kept between
refreshes and never published. When the build has passed, it is copied to the build file, `<warehouse>.build`,
which the publish step checks and renames onto the warehouse.

The build database is trusted only as the last build that passed: its marker `<warehouse>.state.json` names the
code, engine and storage format it was built with and the beneficiaries deliveries it was built from, and is
removed before dbt starts and written again only when the build has passed. A full refresh whose marker
matches starts from the build database and tells dbt which beneficiaries deliveries were added and removed
since (`<warehouse>.state.delta.parquet`, REVIEW_BUILD_DELTA): the winning versions of the services in those
deliveries are recomputed and the rest are kept (models/staging/stg_lake__beneficiaries.sql, issue 17).
Without a marker that matches (first refresh, new code, a build that failed or was killed), the build
database starts empty and everything is rebuilt from the lake. A partial refresh (a selection of assets)
starts from a copy of the published warehouse, is given no delta (the winning versions it builds are all
decided again) and leaves a marker that only says so. A refresh that fails removes the build
database and the build file. Both are written in the DuckDB storage format of `Settings.storage_version`
(REVIEW_DUCKDB_STORAGE_VERSION), which analysts' CLIs read. On Spark dbt builds Parquet tables under
`Settings.spark_dir` and the publish step copies them into a build file.
"""

from __future__ import annotations

import json
import os
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
    for leftover in (build, build.with_name(build.name + ".wal"), build.with_name(build.name + ".tmp")):
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


def _state_files(settings: Settings) -> tuple[Path, Path, Path, Path]:
    """The build database, its WAL, its marker and the delta file dbt reads."""
    state = settings.state_path
    return (
        state,
        state.with_name(state.name + ".wal"),
        state.with_name(state.name + ".json"),
        Path(settings.dbt_env()["REVIEW_BUILD_DELTA"]),
    )


def discard_state(settings: Settings) -> None:
    """Remove the build database, its WAL and its marker: the next full refresh rebuilds everything."""
    for f in _state_files(settings)[:3]:
        f.unlink(missing_ok=True)


def _state_identity(settings: Settings) -> dict:
    """What a build database is valid for besides its deliveries: the code that built it (dbt project,
    ingest, schemas: operations.code_fingerprint), the engine, the storage format and the versions of DuckDB
    and dbt (an incremental build does not run the unit tests again: defs/dbt.py)."""
    from importlib.metadata import version

    from pipelines.operations import code_fingerprint

    return {
        "code": code_fingerprint(),
        "engine": settings.dbt_target,
        "storage_version": settings.storage_version,
        "duckdb": duckdb.__version__,
        "dbt": [version("dbt-core"), version("dbt-duckdb")],
        "person_id_bits": os.environ.get("REVIEW_PERSON_ID_BITS", ""),  # a test hook (macros/incremental_versions.sql)
    }


def loaded_deliveries(settings: Settings) -> list[list[str]]:
    """[cache_key, file_name] of each beneficiaries delivery the lake's manifest has loaded, sorted. The
    same content under two names is two deliveries (macros/latest_version.sql delivered_rows)."""
    manifest = settings.lake_dir / "manifest" / "beneficiaries.parquet"
    if not manifest.exists():
        return []
    con = duckdb.connect()
    try:
        rows = con.execute(
            f"select cache_key, file_name from read_parquet('{sql_path(manifest)}') "
            "where status = 'loaded' order by cache_key, file_name"
        ).fetchall()
    finally:
        con.close()
    return [[k, n] for k, n in rows]


def _write_delta(path: Path, added: list[list[str]], removed: list[list[str]]) -> None:
    """The deliveries added and removed since the last build (change, cache_key, file_name), as Parquet."""
    import polars as pl

    from pipelines.ingest_lake import write_atomic

    rows = [("added", k, n) for k, n in added] + [("removed", k, n) for k, n in removed]
    schema = {"change": pl.Utf8, "cache_key": pl.Utf8, "file_name": pl.Utf8}
    write_atomic(pl.DataFrame(rows, schema=schema, orient="row"), path)


def prepare_build(settings: Settings, full_refresh: bool) -> tuple[str, list[list[str]] | None]:
    """Start a build on DuckDB (module docstring). Returns how it starts ("incremental: ...", "full: ..." or
    "partial: ...", for the log) and, for a full refresh, the deliveries it builds from (for finish_build's
    marker). Leftovers of a refresh that died are removed here."""
    discard_build_file(settings)
    state, wal, marker_path, delta = _state_files(settings)
    try:
        marker = json.loads(marker_path.read_text())
    except (OSError, ValueError):
        marker = None
    marker_path.unlink(missing_ok=True)  # a build in progress, or killed, leaves the database untrusted
    if not full_refresh:  # dbt is given no delta (defs/dbt.py): every winning version is decided again
        discard_state(settings)
        from pipelines.ingest_lake import write_json_atomic

        # never a basis for an incremental build (no identity); says why the next full refresh rebuilds all
        write_json_atomic({"partial": True}, marker_path)
        if settings.warehouse.exists():
            shutil.copyfile(settings.warehouse, state)
            return "partial: from a copy of the published warehouse", None
        create_duckdb_file(state, settings.storage_version)
        return "partial: from an empty database (nothing published yet)", None
    current = loaded_deliveries(settings)
    reason = "no earlier build"
    if marker is not None and marker.get("partial"):
        reason = "the last build was partial: a selection of assets, built from a copy of the published warehouse"
    elif marker is not None and state.exists():
        if marker.get("identity") != _state_identity(settings):
            reason = "the code, engine, storage format or DuckDB changed since the last build"
        else:
            previous = marker.get("beneficiaries", [])
            now, before = {tuple(d) for d in current}, {tuple(d) for d in previous}
            added = sorted(now - before)
            removed = sorted(before - now)
            if before and not before & now:  # e.g. a new pseudonym key: every delivery has a new cache key
                reason = f"none of the {len(before)} beneficiaries deliveries of the last build is still loaded"
            else:
                _write_delta(delta, [list(d) for d in added], [list(d) for d in removed])
                return (
                    f"incremental: from the last build, {len(added)} beneficiaries deliveries added and "
                    f"{len(removed)} removed",
                    current,
                )
    elif marker is None and state.exists():
        reason = "the last build did not pass or was interrupted"
    discard_state(settings)
    _write_delta(delta, [], [])
    create_duckdb_file(state, settings.storage_version)
    return f"full: everything rebuilt from the lake ({reason})", current


def _drop_tables(path: Path, name_like: str) -> list[tuple[str, str]]:
    """Drop the tables of the DuckDB file `path` whose name is LIKE `name_like` (escape character backslash),
    then checkpoint. Returns their (schema, table)."""
    con = duckdb.connect(str(path))
    try:
        found = con.execute(
            "select schema_name, table_name from duckdb_tables() where table_name like ? escape '\\'", [name_like]
        ).fetchall()
        for schema, table in found:
            con.execute(f'drop table "{schema}"."{table}"')
        con.execute("checkpoint")
    finally:
        con.close()
    return found


def finish_build(settings: Settings, deliveries: list[list[str]] | None) -> list[str]:
    """After a build that passed: the build database checkpointed and copied to the build file (which the
    publish step renames onto the warehouse), and, for a full refresh (`deliveries`: what it was built
    from, prepare_build's), its marker written. Returns the models this build recomputed in part (those that
    left helper tables `<model>__touched*`; the others were rebuilt whole), for the log."""
    state, _, marker_path, _ = _state_files(settings)
    # the lists of touched services and persons an incremental build keeps while it runs (macros/
    # incremental_versions.sql) are not part of what is published
    helpers = _drop_tables(state, "%\\_\\_touched%")
    in_part = sorted({table.split("__touched")[0] for _, table in helpers})
    discard_build_file(settings)
    tmp = settings.build_path.with_name(settings.build_path.name + ".tmp")
    shutil.copyfile(state, tmp)
    # what the build database keeps for the next build (macros/incremental_person_counts.sql: `__kept_*`, the
    # basis the person counts were built on) stays in it, not in what is published
    _drop_tables(tmp, "%\\_\\_kept\\_%")
    os.replace(tmp, settings.build_path)
    if deliveries is not None:
        from pipelines.ingest_lake import write_json_atomic

        write_json_atomic({"identity": _state_identity(settings), "beneficiaries": deliveries}, marker_path)
    return in_part


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
