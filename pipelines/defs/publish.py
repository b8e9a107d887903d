"""Publish: the checked build becomes the warehouse analysts open, by one atomic rename.

The build file is complete and every blocking dbt test has passed before this asset runs (Dagster
skips it when the dbt step fails). `os.replace` swaps the file whole: an analyst's open read-only
connection keeps its snapshot, new connections see the new build, and a refresh killed before this
point leaves the published warehouse untouched.
"""


import os

import dagster as dg
import duckdb

from pipelines.defs.dbt import review_dbt_assets
from pipelines.operations import WriterLock, fault_point, log_event, now_utc, read_events
from pipelines.settings import Settings

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
        r = runs.setdefault(e["run_id"], {"started_at": None, "finished_at": None, "published": False, "reason": None, "raw_dir": None})
        if e["event"] == "started":
            r["started_at"] = r["started_at"] or e["at"]
            r["raw_dir"] = e.get("raw_dir")
        elif e["event"] == "published":
            r.update(finished_at=e["at"], published=True, reason="all blocking checks passed")
        elif e["event"] == "failed" and not r["published"]:
            r.update(finished_at=e["at"], reason=f"{e.get('stage', '')}: {e.get('reason', '')}")
    cur = runs.setdefault(current_run, {"started_at": None, "raw_dir": None})
    cur.update(finished_at=finished_at, published=True, reason="all blocking checks passed")
    return [
        (run_id, r["started_at"], r["finished_at"], r["published"],
         r["reason"] or "did not finish: killed or stopped before publishing", r["raw_dir"])
        for run_id, r in runs.items()
    ]  # fmt: skip


def _write_refresh_log(con: duckdb.DuckDBPyConnection, settings: Settings, run_id: str) -> dict:
    con.execute(REFRESH_DDL)
    if settings.warehouse.exists():
        # Keep the file history of earlier refreshes (read-only attach: analysts may have the file open).
        con.execute(f"attach '{settings.warehouse}' as previous (read_only)")
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
        """
        insert into audit.refresh_files
        select ?, m.kind, m.file_name, m.status, m.size_bytes, m.sha256, m.rows_read, m.rows_valid,
               m.rows_rejected, coalesce(h.n, 0), m.message
        from staging.stg_lake__manifest as m
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


@dg.asset(
    key=dg.AssetKey(["warehouse"]),
    deps=list(review_dbt_assets.keys),
    group_name="publish",
    description="The published DuckDB warehouse ($REVIEW_WAREHOUSE), replaced atomically by a checked build.",
    kinds={"duckdb"},
)
def warehouse(context: dg.AssetExecutionContext, writer_lock: WriterLock) -> dg.MaterializeResult:
    settings = Settings.from_env()
    build = settings.build_path
    if not build.exists():
        raise dg.Failure(f"No build to publish at {build}: the dbt step did not produce one.")
    con = duckdb.connect(str(build))
    try:
        totals = _write_refresh_log(con, settings, context.run.run_id)
        holds = con.execute("select count(*) filter (where holds), count(*) from marts.rpt_reconciliation").fetchall()[0]
        con.execute("checkpoint")
    finally:
        con.close()
    fault_point("before_publish")
    os.replace(build, settings.warehouse)
    log_event(settings, context.run.run_id, "published")
    context.log.info(f"Published {settings.warehouse}")
    return dg.MaterializeResult(
        metadata={
            "path": str(settings.warehouse),
            "published_figures_holding": f"{holds[0]} of {holds[1]}",
            **totals,
        }
    )


@dg.asset_check(asset=RECONCILIATION, name="published_figures_hold", blocking=False)
def published_figures_hold() -> dg.AssetCheckResult:
    """Warns (never blocks) when a figure put before the Council does not hold in this build."""
    settings = Settings.from_env()
    rows = None
    for path in (settings.build_path, settings.warehouse):  # before or after the publishing rename
        try:
            con = duckdb.connect(str(path), read_only=True)
        except duckdb.Error:
            continue
        try:
            rows = con.execute(
                "select indicator_code, period, coalesce(dimension_value, ''), published_value, qualifier, "
                "computed_value, holds from marts.rpt_reconciliation order by indicator_code, period"
            ).fetchall()
        finally:
            con.close()
        break
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
