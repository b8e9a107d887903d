"""Plausibility flags in Dagster (issue 14): a warning check on marts.rpt_plausibility, never blocking.

The check reads the table of this run's build (the build file before it is published, the published
warehouse after; on Spark the table's Parquet files) and reports the flags per importance with the first
flags to look at in its metadata. It fails (as a warning) while a `high` flag that touches a published
figure is unacknowledged: such a flag stops `review-publish --edition`, never a refresh.
"""

import dagster as dg
import duckdb

from pipelines.build_file import spark_table_dir
from pipelines.publication import plausibility
from pipelines.settings import Settings

RPT_PLAUSIBILITY = dg.AssetKey(["marts", "rpt_plausibility"])


def _connect(settings: Settings) -> duckdb.DuckDBPyConnection | None:
    """A connection on which marts.rpt_plausibility is this build's, or None when there is no build."""
    table = spark_table_dir(settings, "marts", "rpt_plausibility")
    if settings.on_spark and any(table.glob("*.parquet")):
        con = duckdb.connect()
        folder = str(table).replace("'", "''")
        con.execute("create schema marts")
        con.execute(f"create view marts.rpt_plausibility as select * from read_parquet('{folder}/*.parquet')")
        return con
    for path in (settings.build_path, settings.warehouse):
        try:
            return duckdb.connect(str(path), read_only=True)
        except duckdb.Error:
            continue
    return None


@dg.asset_check(asset=RPT_PLAUSIBILITY, name="plausibility_flags", blocking=False)
def plausibility_flags(settings: dg.ResourceParam[Settings]) -> dg.AssetCheckResult:
    """Warns (never blocks) with the plausibility flags by importance; fails while a high flag touching a
    published figure is unacknowledged (it would stop an edition)."""
    con = _connect(settings)
    if con is None:
        return dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.WARN, description="No build to read.")
    try:
        counts = plausibility.counts(con)
        stopping = con.execute(
            "select count(*) from marts.rpt_plausibility where importance = 'high' and touches_published and not acknowledged"
        ).fetchall()[0][0]
        top = plausibility.top_flags(con, 10)
        line = plausibility.summary_line(con)
    finally:
        con.close()
    return dg.AssetCheckResult(
        passed=stopping == 0,
        severity=dg.AssetCheckSeverity.WARN,
        description=f"{line}; {stopping} high flag(s) on published figures unacknowledged.",
        metadata={
            **{f"{k}_flags": v for k, v in counts.items()},
            "high_unacknowledged_on_published": int(stopping),
            "top_flags": dg.MetadataValue.md(
                "| flag_key | importance | acknowledged | touches published | sentence |\n|---|---|---|---|---|\n"
                + "\n".join(f"| {r[0]} | {r[1]} | {r[2]} | {r[3]} | {r[4]} |" for r in top)
            ),
        },
    )
