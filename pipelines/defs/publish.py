"""Publish: the checked build becomes the warehouse analysts open, by one atomic rename.

The build file is complete and every blocking dbt test has passed before this asset runs (Dagster
skips it when the dbt step fails). `os.replace` swaps the file whole: an analyst's open read-only
connection keeps its snapshot, new connections see the new build, and a refresh killed before this
point leaves the published warehouse untouched.

On Spark (REVIEW_DBT_TARGET=spark, docs/scale-out.md) dbt builds the tables in the Spark warehouse as
Parquet (<folder of REVIEW_WAREHOUSE>/spark/warehouse/<schema>.db/<table>/). Publishing then makes the
build file from those tables (every table of every schema; views such as the staging views over the lake
are not copied) and goes on exactly as on DuckDB: refresh log, reconciliation count, atomic rename. So
analysts keep opening the same DuckDB file whatever engine built it.

The publish guard: a build with markedly fewer valid rows of any kind than the published warehouse
(more than REVIEW_SHRINK_LIMIT_PCT, default 20 %, fewer: a drop zone pointed at the wrong folder, a kind's
deliveries missing) is not published; the refresh fails saying what shrank and how to publish it anyway
(REVIEW_ALLOW_SHRINK=1). A first build (no published warehouse) is not guarded. Any failure here removes
the build file, so a failed refresh leaves no debris beside the published warehouse.
"""

import contextlib
import os
from pathlib import Path

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource

from pipelines.defs.dbt import create_duckdb_file, discard_build_file, engine_settings, review_dbt_assets
from pipelines.operations import WriterLock, fault_point, log_event, now_utc, read_events, run_events
from pipelines.settings import Settings
from pipelines.warehouse_docs import comment_refresh_tables

RECONCILIATION = dg.AssetKey(["marts", "rpt_reconciliation"])

REFRESH_DDL = """
create schema if not exists audit;
create or replace table audit.refresh_log (
    run_id varchar, started_at timestamp, finished_at timestamp, published boolean, reason varchar,
    raw_dir varchar
);
create table if not exists audit.refresh_files (
    run_id varchar, kind varchar, file_name varchar, status varchar, size_bytes bigint, sha256 varchar,
    rows_read bigint, rows_valid bigint, rows_rejected bigint, rows_held bigint, message varchar
);
"""


def refresh_log_rows(events: list[dict], current_run: str, finished_at: str) -> list[tuple]:
    """One row per refresh attempt from the event log; the current run is the one being published."""
    runs: dict[str, dict] = {}
    for e in events:
        r = runs.setdefault(
            e["run_id"], {"started_at": None, "finished_at": None, "published": False, "reason": None, "raw_dir": None}
        )
        if e["event"] == "started":
            r["started_at"] = r["started_at"] or e["at"]
            r["raw_dir"] = e.get("raw_dir")
        elif e["event"] == "published":
            r.update(finished_at=e["at"], published=True, reason="all blocking checks passed")
        elif e["event"] == "failed" and not r["published"]:
            r.update(finished_at=e["at"], reason=f"{e.get('stage', '')}: {e.get('reason', '')}")
        elif e["event"] == "unchanged" and not r["published"]:
            r.update(finished_at=e["at"], reason="nothing new since the published build: not rebuilt")
    cur = runs.setdefault(current_run, {"started_at": None, "raw_dir": None})
    cur.update(finished_at=finished_at, published=True, reason="all blocking checks passed")
    return [
        (
            run_id,
            r["started_at"],
            r["finished_at"],
            r["published"],
            r["reason"] or "did not finish: killed or stopped before publishing",
            r["raw_dir"],
        )
        for run_id, r in runs.items()
    ]


# The schemas dbt builds (generate_schema_name); on Spark each is a database, a folder <schema>.db.
BUILD_SCHEMAS = ("reference", "staging", "intermediate", "marts", "audit")


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


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
        raise dg.Failure(f"No Spark build to publish under {settings.spark_dir}: the dbt step did not produce one.")
    create_duckdb_file(settings.build_path)  # in the storage format analysts' CLIs read
    con = duckdb.connect(str(settings.build_path))
    try:
        for schema, name, folder in tables:
            con.execute(f'create schema if not exists "{schema}"')
            con.execute(
                f'create table "{schema}"."{name}" as select * from read_parquet(\'{_sql_path(folder)}/*.parquet\')'
            )
        con.execute("checkpoint")
    finally:
        con.close()
    return len(tables)


def _manifest_relation(con: duckdb.DuckDBPyConnection, settings: Settings) -> str:
    """The files of the current refresh (dbt's staging.stg_lake__manifest). A DuckDB build holds the view;
    a Spark build's view lives in Spark, so the same rows are read from the lake's manifest files."""
    if not settings.on_spark:
        return "staging.stg_lake__manifest"
    con.execute(
        "create temp table current_manifest as select kind, file_name, sha256, cache_key, size_bytes, status, "
        "message, rows_read, rows_valid, rows_rejected, from_cache "
        f"from read_parquet('{_sql_path(settings.lake_dir)}/manifest/*.parquet', union_by_name = true)"
    )
    return "current_manifest"


def _write_refresh_log(con: duckdb.DuckDBPyConnection, settings: Settings, run_id: str) -> dict:
    manifest = _manifest_relation(con, settings)
    con.execute(REFRESH_DDL)
    comment_refresh_tables(con)  # descriptions in DuckDB (pipelines/warehouse_docs.py)
    if settings.warehouse.exists():
        # Keep the file history of earlier refreshes (read-only attach: analysts may have the file open).
        con.execute(f"attach '{_sql_path(settings.warehouse)}' as previous (read_only)")
        has_files = con.execute(
            "select count(*) from duckdb_tables() where database_name = 'previous' and schema_name = 'audit' "
            "and table_name = 'refresh_files'"
        ).fetchall()[0][0]
        if has_files:
            con.execute("insert into audit.refresh_files by name select * from previous.audit.refresh_files")
        con.execute("detach previous")
    con.executemany(
        "insert into audit.refresh_log values (?, ?, ?, ?, ?, ?)",
        refresh_log_rows(read_events(settings), run_id, now_utc()),
    )
    con.execute(
        f"""
        insert into audit.refresh_files
        select ?, m.kind, m.file_name, m.status, m.size_bytes, m.sha256, m.rows_read, m.rows_valid,
               m.rows_rejected, coalesce(h.n, 0), m.message
        from {manifest} as m
        left join (select kind, file_name, count(*) as n from audit.held_rows group by all) as h
            using (kind, file_name)
        """,
        [run_id],
    )
    totals = con.execute(
        """
        select count(*) filter (where status = 'loaded'), count(*) filter (where status = 'rejected'),
               count(*) filter (where status = 'ignored'), coalesce(sum(rows_valid), 0),
               coalesce(sum(rows_rejected), 0), coalesce(sum(rows_held), 0)
        from audit.refresh_files where run_id = ?
        """,
        [run_id],
    ).fetchall()[0]
    keys = ["files_loaded", "files_rejected", "files_ignored", "rows_valid", "rows_rejected", "rows_held"]
    return dict(zip(keys, (int(v) for v in totals)))


def shrink_limit_pct() -> float:
    """REVIEW_SHRINK_LIMIT_PCT: how many per cent fewer valid rows of a kind than the published warehouse
    a build may have and still be published (default 20)."""
    raw = os.environ.get("REVIEW_SHRINK_LIMIT_PCT", "").strip() or "20"
    try:
        value = float(raw)
    except ValueError:
        raise dg.Failure(
            f"REVIEW_SHRINK_LIMIT_PCT must be a number of per cent between 0 and 100, not {raw!r}."
        ) from None
    if not 0 <= value <= 100:
        raise dg.Failure(f"REVIEW_SHRINK_LIMIT_PCT must be between 0 and 100, not {raw!r}.")
    return value


def shrink_allowed() -> bool:
    return os.environ.get("REVIEW_ALLOW_SHRINK", "").strip().lower() in ("1", "true", "yes")


VALID_ROWS_SQL = "select kind, coalesce(sum(rows_valid), 0) from {}.audit.source_files where status = 'loaded' group by kind"  # {}: a quoted database name


def valid_rows_by_kind(con: duckdb.DuckDBPyConnection, database: str) -> dict[str, int]:
    return {k: int(n) for k, n in con.execute(VALID_ROWS_SQL.format(database)).fetchall()}


def shrinkage(new: dict[str, int], old: dict[str, int], limit_pct: float) -> list[tuple[str, int, int, float]]:
    """(kind, published rows, new rows, per cent fewer) of every kind that shrank by more than limit_pct."""
    out = []
    for kind in sorted(old):
        before, after = old[kind], new.get(kind, 0)
        if before > 0 and after < before:
            pct = 100.0 * (before - after) / before
            if pct > limit_pct:
                out.append((kind, before, after, pct))
    return out


def shrink_message(shrunk: list[tuple[str, int, int, float]], settings: Settings, limit_pct: float) -> str:
    what = "; ".join(f"{k} {b:,} -> {a:,} valid rows ({p:.0f}% fewer)" for k, b, a, p in shrunk)
    return (
        f"Not published: this build has markedly fewer valid rows than the published warehouse: {what}. "
        f"The published warehouse is unchanged. Check that REVIEW_RAW_DIR ({settings.raw_dir}) holds every "
        "delivery; if the smaller build is right, publish it with REVIEW_ALLOW_SHRINK=1 "
        f"(the limit is REVIEW_SHRINK_LIMIT_PCT, now {limit_pct:g}% fewer rows of any kind)."
    )


def publish_guard(con: duckdb.DuckDBPyConnection, settings: Settings, run_id: str, log) -> None:
    """Stop a build that lost a large share of any kind's rows against the published warehouse."""
    if not settings.warehouse.exists():
        return  # a first build is not guarded
    limit = shrink_limit_pct()
    con.execute(f"attach '{_sql_path(settings.warehouse)}' as published_now (read_only)")
    try:
        has_table = con.execute(
            "select count(*) from duckdb_tables() where database_name = 'published_now' and schema_name = 'audit' "
            "and table_name = 'source_files'"
        ).fetchall()[0][0]
        old = valid_rows_by_kind(con, "published_now") if has_table else {}
    finally:
        con.execute("detach published_now")
    build_db = con.execute("select current_database()").fetchall()[0][0]
    shrunk = shrinkage(valid_rows_by_kind(con, '"' + build_db.replace('"', '""') + '"'), old, limit)
    if not shrunk:
        return
    message = shrink_message(shrunk, settings, limit)
    if shrink_allowed():
        note = (
            "Published although it shrank (REVIEW_ALLOW_SHRINK=1): "
            + message.split(": ", 1)[1].split(" The published")[0]
        )
        log.warning(note)
        log_event(settings, run_id, "warning", stage="publish guard", message=note)
        return
    log_event(settings, run_id, "failed", stage="publish guard", reason=message)
    raise dg.Failure(message)


@dg.asset(
    key=dg.AssetKey(["warehouse"]),
    deps=list(review_dbt_assets.keys),
    group_name="publish",
    description="The published DuckDB warehouse ($REVIEW_WAREHOUSE), replaced atomically by a checked build.",
    kinds={"duckdb"},
)
def warehouse(context: dg.AssetExecutionContext, writer_lock: WriterLock, dbt: DbtCliResource) -> dg.MaterializeResult:
    settings = engine_settings(dbt)
    build = settings.build_path
    run_id = context.run.run_id
    try:
        if settings.on_spark:
            n = export_spark_build(settings)
            context.log.info(f"Copied {n} tables of the Spark build ({settings.spark_dir}) into {build}")
        if not build.exists():
            raise dg.Failure(f"No build to publish at {build}: the dbt step did not produce one.")
        con = duckdb.connect(str(build))
        try:
            publish_guard(con, settings, run_id, context.log)
            totals = _write_refresh_log(con, settings, run_id)
            holds = con.execute(
                "select count(*) filter (where holds), count(*) from marts.rpt_reconciliation"
            ).fetchall()[0]
            con.execute("checkpoint")
        finally:
            con.close()
        fault_point("before_publish")
        os.replace(build, settings.warehouse)
    except Exception as e:
        discard_build_file(settings)  # nothing of a failed publish stays beside the warehouse
        with contextlib.suppress(OSError):  # a full disk must not hide the first error
            if not any(ev.get("event") == "failed" for ev in run_events(settings, run_id)):
                log_event(
                    settings, run_id, "failed", stage="publish", reason=f"not published: {type(e).__name__}: {e}"[:2000]
                )
        raise
    built = [ev for ev in run_events(settings, run_id) if ev.get("event") == "built"]
    log_event(
        settings,
        run_id,
        "published",
        fingerprint=built[-1].get("fingerprint") if built else None,
        holding=int(holds[0]),
        figures=int(holds[1]),
    )
    context.log.info(f"Published {settings.warehouse}")
    return dg.MaterializeResult(
        metadata={
            "path": str(settings.warehouse),
            "published_figures_holding": f"{holds[0]} of {holds[1]}",
            **totals,
        }
    )


RECONCILIATION_SQL = (
    "select indicator_code, period, coalesce(dimension_value, ''), published_value, qualifier, "
    "computed_value, holds from {} order by indicator_code, period"
)


def reconciliation_rows(settings: Settings) -> list[tuple] | None:
    """The rows of this build's marts.rpt_reconciliation (RECONCILIATION_SQL), None when there is no build:
    on Spark its table's Parquet files; on DuckDB the build file, or the published one after the rename."""
    spark_table = spark_table_dir(settings, "marts", "rpt_reconciliation")
    if settings.on_spark and any(spark_table.glob("*.parquet")):
        con = duckdb.connect()
        try:
            return con.execute(
                RECONCILIATION_SQL.format(f"read_parquet('{_sql_path(spark_table)}/*.parquet')")
            ).fetchall()
        finally:
            con.close()
    for path in (settings.build_path, settings.warehouse):
        try:
            con = duckdb.connect(str(path), read_only=True)
        except duckdb.Error:
            continue
        try:
            return con.execute(RECONCILIATION_SQL.format("marts.rpt_reconciliation")).fetchall()
        finally:
            con.close()
    return None


@dg.asset_check(asset=RECONCILIATION, name="published_figures_hold", blocking=False)
def published_figures_hold(dbt: DbtCliResource) -> dg.AssetCheckResult:
    """Warns (never blocks) when a figure put before the Council does not hold in this build."""
    rows = reconciliation_rows(engine_settings(dbt))
    if rows is None:
        return dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.WARN, description="No build to read.")
    failing = [r for r in rows if not r[6]]
    return dg.AssetCheckResult(
        passed=not failing,
        severity=dg.AssetCheckSeverity.WARN,
        description=f"{len(rows) - len(failing)} of {len(rows)} published figures hold.",
        metadata={
            "holding": len(rows) - len(failing),
            "figures": len(rows),
            "not_holding": dg.MetadataValue.md(
                "| indicator | period | value | published | qualifier | computed |\n|---|---|---|---|---|---|\n"
                + "\n".join(f"| {r[0]} | {r[1]} | {r[2]} | {r[3]} | {r[4]} | {r[5]} |" for r in failing)
            ),
        },
    )
