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

What this module wires together lives outside defs/: the build file (pipelines/build_file.py), the refresh
log it writes into the build (pipelines/operations.py write_refresh_log), the settings (pipelines/settings.py,
the `settings` resource). definitions.py makes the asset with `warehouse_asset(review_dbt_assets)`.
"""

import contextlib
import os

import dagster as dg
import duckdb

from pipelines.build_file import NoBuild, discard_build_file, export_spark_build, spark_table_dir, sql_path
from pipelines.operations import WriterLock, fault_point, log_event, run_events, write_refresh_log
from pipelines.settings import Settings

WAREHOUSE = dg.AssetKey(["warehouse"])
RECONCILIATION = dg.AssetKey(["marts", "rpt_reconciliation"])

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
    limit = settings.shrink_limit_pct
    con.execute(f"attach '{sql_path(settings.warehouse)}' as published_now (read_only)")
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
    if settings.allow_shrink:
        note = (
            "Published although it shrank (REVIEW_ALLOW_SHRINK=1): "
            + message.split(": ", 1)[1].split(" The published")[0]
        )
        log.warning(note)
        log_event(settings, run_id, "warning", stage="publish guard", message=note)
        return
    log_event(settings, run_id, "failed", stage="publish guard", reason=message)
    raise dg.Failure(message)


def warehouse_asset(dbt_assets: dg.AssetsDefinition) -> dg.AssetsDefinition:
    """The publish asset, downstream of every asset of `dbt_assets` (the dbt build it publishes)."""

    @dg.asset(
        key=WAREHOUSE,
        deps=list(dbt_assets.keys),
        group_name="publish",
        description="The published DuckDB warehouse ($REVIEW_WAREHOUSE), replaced atomically by a checked build.",
        kinds={"duckdb"},
    )
    def warehouse(
        context: dg.AssetExecutionContext, writer_lock: WriterLock, settings: dg.ResourceParam[Settings]
    ) -> dg.MaterializeResult:
        build = settings.build_path
        run_id = context.run.run_id
        try:
            if settings.on_spark:
                try:
                    n = export_spark_build(settings)
                except NoBuild as e:
                    raise dg.Failure(str(e)) from None
                context.log.info(f"Copied {n} tables of the Spark build ({settings.spark_dir}) into {build}")
            if not build.exists():
                raise dg.Failure(f"No build to publish at {build}: the dbt step did not produce one.")
            con = duckdb.connect(str(build))
            try:
                publish_guard(con, settings, run_id, context.log)
                totals = write_refresh_log(con, settings, run_id)
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
                        settings,
                        run_id,
                        "failed",
                        stage="publish",
                        reason=f"not published: {type(e).__name__}: {e}"[:2000],
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

    return warehouse


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
                RECONCILIATION_SQL.format(f"read_parquet('{sql_path(spark_table)}/*.parquet')")
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
def published_figures_hold(settings: dg.ResourceParam[Settings]) -> dg.AssetCheckResult:
    """Warns (never blocks) when a figure put before the Council does not hold in this build."""
    rows = reconciliation_rows(settings)
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
