"""What is published: the marts read from the warehouse (or an edition), disclosure-controlled.

A `Publication` is a set of polars frames with the same shape wherever it comes from: the current build
(`load_current`, which reads the published warehouse read-only and applies disclosure control) or a
frozen edition (`pipelines.publication.editions.load_edition`). The review pack, the exports and the
editions are all written from a Publication, so nothing can be published without the control. The
decisions themselves (which cell, share or derived figure is suppressed) are made in
`pipelines.publication.disclosure`; which numbers the long form holds, in `dbt_project/seeds/measures.csv`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from pipelines.publication.disclosure import control_frames, long_flags, suppression_summary
from pipelines.publication.measures import measures

# The long form every edition stores (values.parquet) and marts.edition_values reads.
LONG_SCHEMA = {
    "table_name": pl.String,
    "indicator_code": pl.String,
    "strategy_point": pl.Int32,
    "period": pl.String,
    "dimension": pl.String,
    "dimension_value": pl.String,
    "measure": pl.String,
    "value": pl.Float64,
    "obs_status": pl.String,
    "conf_status": pl.String,
    "unit": pl.String,
}


@dataclass
class Publication:
    label: str  # 'current build' or the edition's name
    created_at: str  # when the data was built (current) or frozen (edition)
    k: int
    frames: dict[str, pl.DataFrame]
    meta: dict = field(default_factory=dict)

    def __getitem__(self, name: str) -> pl.DataFrame:
        return self.frames[name]


def _frame(con: duckdb.DuckDBPyConnection, sql: str) -> pl.DataFrame:
    return pl.from_arrow(con.sql(sql).to_arrow_table())


WAREHOUSE_QUERIES = {
    "fct_indicator_values": "select * from marts.fct_indicator_values order by indicator_code, year",
    "fct_indicator_window": "select * from marts.fct_indicator_window order by indicator_code, window_start, window_end",
    "fct_indicator_breakdown": "select * from marts.fct_indicator_breakdown "
    "order by indicator_code, period, dimension, dimension_value",
    "dim_indicator": "select * from marts.dim_indicator order by strategy_point nulls first, indicator_code",
    "dim_strategy_point": "select * from marts.dim_strategy_point order by strategy_point",
    "rpt_reconciliation": "select * from marts.rpt_reconciliation order by paragraph, indicator_code, period",
    "source_files": "select kind, file_name, status, message, size_bytes, sha256, rows_read, rows_valid, rows_rejected "
    "from audit.source_files order by kind, file_name",
    "quality_rejected_by_reason": """
        select kind, check_name, count(distinct file_name || ':' || row_number) as rows_rejected,
               count(*) as failures
        from audit.rejected_rows group by all order by rows_rejected desc, kind, check_name""",
    "quality_rejected_files": "select kind, file_name, message from audit.rejected_files order by kind, file_name",
    "quality_held_rows": "select kind, reason, year, count(*) as rows_held from audit.held_rows group by all order by all",
    "quality_completeness": """
        with spine as (select distinct year from marts.fct_indicator_values),
        services as (select extract(year from service_date)::integer as year, count(*) as n
                     from staging.stg_lake__beneficiaries group by 1),
        expenditures as (select year, count(*) as n from staging.stg_lake__expenditures group by 1),
        starts as (select extract(year from start_date)::integer as year, count(*) as n
                   from staging.stg_lake__projects group by 1),
        held as (select year, count(*) as n from audit.held_rows group by 1),
        ind as (select year, count(*) filter (where value is not null and value <> 0) as with_data,
                       count(*) as indicators
                from marts.fct_indicator_values group by 1)
        select s.year, coalesce(sv.n, 0) as service_records, coalesce(e.n, 0) as expenditure_rows,
               coalesce(st.n, 0) as projects_started, coalesce(h.n, 0) as expenditure_rows_held,
               ind.with_data as indicators_with_data, ind.indicators
        from spine s left join services sv using (year) left join expenditures e using (year)
        left join starts st using (year) left join held h using (year) left join ind using (year)
        order by s.year""",
}


# Tables the pack uses when the build has them (another model may not have landed in every build):
# marts.dim_year (provisional years) and marts.rpt_plausibility (the plausibility flags).
OPTIONAL_QUERIES = {
    "dim_year": "select year, is_provisional, provisional_reason, latest_extracted_at, last_service_date "
    "from marts.dim_year order by year",
    "rpt_plausibility": "select * from marts.rpt_plausibility",
}


def read_optional(con: duckdb.DuckDBPyConnection) -> dict[str, pl.DataFrame]:
    """The optional marts that exist in this warehouse (checked in information_schema.tables)."""
    present = {
        r[0]
        for r in con.execute("select table_name from information_schema.tables where table_schema = 'marts'").fetchall()
    }
    return {name: _frame(con, sql) for name, sql in OPTIONAL_QUERIES.items() if name in present}


def read_warehouse(path: Path) -> tuple[dict[str, pl.DataFrame], str]:
    """The exact marts and audit summaries of a build (internal), and when it was published."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        frames = {name: _frame(con, sql) for name, sql in WAREHOUSE_QUERIES.items()}
        frames |= read_optional(con)
        built = con.execute("select max(finished_at) from audit.refresh_log where published").fetchall()[0][0]
    finally:
        con.close()
    return frames, (built.isoformat(timespec="seconds") if built else "")


def load_current(warehouse: Path, k: int) -> Publication:
    """The current build, as it would be published: read read-only, disclosure-controlled."""
    frames, built = read_warehouse(warehouse)
    published, control = control_frames(frames, k)
    return Publication(
        label="current build",
        created_at=built,
        k=k,
        frames=published,
        meta={
            "warehouse": str(warehouse),
            "suppression": suppression_summary(published),
            "read_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        },
    )


# --- the long form -----------------------------------------------------------------------------------------


def long_values(frames: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """One row per published number of the three fact tables, with its flags (values.parquet): the measures
    of dbt_project/seeds/measures.csv in its order, as marts.rpt_restatement unpivots the current build."""
    parts = []
    for m in measures():
        part = frames[m.table_name]
        if m.percent_only:
            part = part.filter(pl.col("unit") == "percent")
        parts.append(
            part.select(
                pl.lit(m.table_name).alias("table_name"),
                "indicator_code",
                "strategy_point",
                *_LONG_KEYS[m.table_name](),
                pl.lit(m.measure).alias("measure"),
                pl.col(m.measure).cast(pl.Float64).alias("value"),
                *long_flags(m),
                "unit",
            )
        )
    out = pl.concat([p.cast(LONG_SCHEMA) for p in parts], how="vertical")  # type: ignore[arg-type]
    return out.select(list(LONG_SCHEMA))


def _no_dimension() -> list[pl.Expr]:
    return [pl.lit(None, pl.String).alias("dimension"), pl.lit(None, pl.String).alias("dimension_value")]


# table -> its numbers' period, dimension and dimension_value in the long form
_LONG_KEYS = {
    "fct_indicator_values": lambda: [pl.col("year").cast(pl.String).alias("period"), *_no_dimension()],
    "fct_indicator_window": lambda: [
        (pl.col("window_start").cast(pl.String) + "-" + pl.col("window_end").cast(pl.String)).alias("period"),
        *_no_dimension(),
    ],
    "fct_indicator_breakdown": lambda: [pl.col("period"), pl.col("dimension"), pl.col("dimension_value")],
}
