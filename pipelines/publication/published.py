"""What is published: the marts read from the warehouse (or an edition), disclosure-controlled.

A `Publication` is a set of polars frames with the same shape wherever it comes from: the current build
(`load_current`, which reads the published warehouse read-only and applies disclosure control) or a
frozen edition (`pipelines.publication.editions.load_edition`). The review pack, the exports and the
editions are all written from a Publication, so nothing can be published without the control.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from pipelines.publication.disclosure import (
    DOMAINS,
    INF,
    OBS_NORMAL,
    OBS_SUPPRESSED,
    ORG_PERSONS,
    PRIMARY,
    PUBLISHED,
    SECONDARY,
    VIRTUAL,
    WITHHELD,
    Table,
    control_table,
    window_label,
)

COUNT_MEASURES = ("persons", "records")

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


# --- disclosure control of the marts ---------------------------------------------------------------------


@dataclass
class Control:
    """The decisions: status per breakdown cell, per share value, per withheld group."""

    cell: dict[tuple[str, str, str, str], str]  # (indicator, period, dimension, value) -> F/C/D/W
    withheld: set[tuple[str, str, str]]  # (indicator, period, dimension)
    share: dict[tuple[str, str], str]  # (share indicator, period) -> F/C/D/W
    uncertified: list[tuple] = field(default_factory=list)


def _windows(window: pl.DataFrame) -> list[tuple[int, int]]:
    return sorted({(int(s), int(e)) for s, e in window.select("window_start", "window_end").iter_rows()})


def _totals(values: pl.DataFrame, window: pl.DataFrame) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = defaultdict(dict)
    for code, year, v in values.select("indicator_code", "year", "value").iter_rows():
        out[code][str(year)] = float(v or 0)
    for code, s, e, v in window.select("indicator_code", "window_start", "window_end", "value").iter_rows():
        out[code][window_label(s, e)] = float(v or 0)
    return out


def decide(frames: dict[str, pl.DataFrame], k: int) -> Control:
    ind = frames["dim_indicator"]
    measure = dict(ind.select("indicator_code", "measure").iter_rows())
    windows = _windows(frames["fct_indicator_window"])
    totals = _totals(frames["fct_indicator_values"], frames["fct_indicator_window"])
    cells: dict[tuple[str, str], dict[tuple[str, str], float]] = defaultdict(dict)
    for code, period, dim, val, v in (
        frames["fct_indicator_breakdown"]
        .select("indicator_code", "period", "dimension", "dimension_value", "value")
        .iter_rows()
    ):
        if measure.get(code) in COUNT_MEASURES and v:
            cells[(code, dim)][(period, val)] = float(v)

    # Cross-indicator bounds: every person indicator's country cell is <= ORG.beneficiaries_served's.
    # Each certificate moves persons within one indicator's table; the other table is represented by
    # what an attacker knows of its cell: the published value, or the bounds of its flag. ORG is
    # controlled first (without these bounds), then every other indicator (bounded above by ORG), then
    # ORG again (bounded below by the others): more suppression only loosens the bounds used before.
    country_dims = ("country_of_service", "destination_country")
    control = Control(cell={}, withheld=set(), share={})
    known = {PRIMARY: (1.0, float(k)), SECONDARY: (float(k + 1), INF), WITHHELD: (0.0, INF)}

    def bound(code: str, p: str, d: str, v: str, x: float | None) -> tuple[float, float]:
        st = control.cell.get((code, p, d, v), PUBLISHED)
        if (code, p, d) in control.withheld:
            st = WITHHELD
        return known.get(st, (x or 0.0, x or 0.0))

    def run(code: str, dim: str, tab: dict, hi: dict | None = None, lo: dict | None = None) -> None:
        table = Table(code, dim, measure[code], tab, totals.get(code, {}), DOMAINS.get(dim, ()), hi or {}, lo or {})
        res = control_table(table, windows, k)
        for (p, v), st in res.status.items():
            control.cell[(code, p, dim, v)] = st
        for p in res.withheld_periods:
            if totals.get(code, {}).get(p):
                control.withheld.add((code, p, dim))
        control.uncertified.extend((code, dim, *c) for c in res.uncertified)

    def nested(dim: str) -> list[str]:
        return sorted(c for (c, d) in cells if d == dim and c != ORG_PERSONS and measure.get(c) == "persons")

    for (code, dim), tab in sorted(cells.items()):
        if code == ORG_PERSONS:
            run(code, dim, tab)
    for (code, dim), tab in sorted(cells.items()):
        if code == ORG_PERSONS:
            continue
        hi: dict[tuple[str, str], float] = {}
        if dim in country_dims and code in nested(dim):
            org = cells.get((ORG_PERSONS, dim), {})
            for p, v in tab:
                hi[(p, v)] = bound(ORG_PERSONS, p, dim, v, org.get((p, v)))[1]
            for p in {p for p, _ in org}:  # "some other country", in a withheld block
                hi[(p, VIRTUAL)] = max(
                    (bound(ORG_PERSONS, p, dim, v, x)[1] for (q, v), x in org.items() if q == p and (p, v) not in tab),
                    default=0.0,
                )
        run(code, dim, tab, hi=hi)
    for dim in country_dims:
        tab = cells.get((ORG_PERSONS, dim))
        if not tab:
            continue
        lo: dict[tuple[str, str], float] = {}
        for other in nested(dim):
            for (p, v), x in cells[(other, dim)].items():
                lo[(p, v)] = max(lo.get((p, v), 0.0), bound(other, p, dim, v, x)[0])
        for key in [key for key in control.cell if key[0] == ORG_PERSONS and key[2] == dim]:
            del control.cell[key]
        control.withheld -= {w for w in control.withheld if w[0] == ORG_PERSONS and w[2] == dim}
        run(ORG_PERSONS, dim, tab, lo=lo)

    # Share indicators: a breakdown in disguise.
    values, window = frames["fct_indicator_values"], frames["fct_indicator_window"]
    for row in ind.filter(pl.col("measure") == "person_share").iter_rows(named=True):
        code, attr, share_value = row["indicator_code"], row["share_attribute"], row["share_value"]
        base = ind.filter(
            (pl.col("measure") == "persons")
            & (pl.col("service_type") == row["service_type"])
            & pl.col("reached_point").is_null()
        )["indicator_code"].to_list()
        nums = {
            str(y): (n, d)
            for y, n, d in values.filter(pl.col("indicator_code") == code)
            .select("year", "numerator", "denominator")
            .iter_rows()
        }
        nums |= {
            window_label(s, e): (n, d)
            for s, e, n, d in window.filter(pl.col("indicator_code") == code)
            .select("window_start", "window_end", "numerator", "denominator")
            .iter_rows()
        }
        if base and attr in DOMAINS and (base[0], attr) in cells:
            # the numerator IS the base indicator's breakdown cell: same decision
            for p in nums:
                if (base[0], p, attr) in control.withheld:
                    control.share[(code, p)] = WITHHELD
                else:
                    control.share[(code, p)] = control.cell.get((base[0], p, attr, share_value), PUBLISHED)
            continue
        # otherwise: a two-cell breakdown (share value / other) of the denominator
        tab = {}
        for p, (n, d) in nums.items():
            n, d = float(n or 0), float(d or 0)
            if n:
                tab[(p, share_value)] = n
            if d - n:
                tab[(p, "other")] = d - n
        res = control_table(
            Table(code, attr, "persons", tab, {p: float(d or 0) for p, (_, d) in nums.items()}, (share_value, "other")),
            windows,
            k,
        )
        for p in nums:
            if p in res.withheld_periods:
                control.share[(code, p)] = WITHHELD
            else:
                sts = {res.status.get((p, share_value), PUBLISHED), res.status.get((p, "other"), PUBLISHED)}
                control.share[(code, p)] = PRIMARY if PRIMARY in sts else SECONDARY if SECONDARY in sts else PUBLISHED
    return control


def apply_control(frames: dict[str, pl.DataFrame], control: Control) -> dict[str, pl.DataFrame]:
    """The published (controlled) versions of the marts. Audit summaries carry no person counts."""
    out = dict(frames)
    # breakdown: suppressed cells NULL with flags; withheld groups as one marker row each
    b = frames["fct_indicator_breakdown"]
    status = [
        control.cell.get((c, p, d, v), PUBLISHED)
        for c, p, d, v in b.select("indicator_code", "period", "dimension", "dimension_value").iter_rows()
    ]
    b = b.with_columns(pl.Series("_st", status, dtype=pl.String))
    markers = (
        b.filter(pl.col("_st") == WITHHELD)
        .group_by("indicator_code", "strategy_point", "period", "dimension", "unit")
        .agg()
        .with_columns(dimension_value=pl.lit(None, pl.String), _st=pl.lit(WITHHELD))
    )
    b = pl.concat([b.filter(pl.col("_st") != WITHHELD), markers], how="diagonal_relaxed")
    out["fct_indicator_breakdown"] = _with_flags(b, ["value", "numerator", "denominator"]).sort(
        "indicator_code", "period", "dimension", "dimension_value", nulls_last=True
    )
    # values: share indicators follow their cell
    v = frames["fct_indicator_values"]
    st = [control.share.get((c, str(y)), PUBLISHED) for c, y in v.select("indicator_code", "year").iter_rows()]
    out["fct_indicator_values"] = _with_flags(
        v.with_columns(pl.Series("_st", st, dtype=pl.String)), ["value", "numerator"]
    )
    # window: the window's own value, and the yearly figures derived from suppressed years
    w = frames["fct_indicator_window"]
    rows = []
    for r in w.iter_rows(named=True):
        c, s, e = r["indicator_code"], r["window_start"], r["window_end"]
        own = control.share.get((c, window_label(s, e)), PUBLISHED)
        first = control.share.get((c, str(s)), PUBLISHED)
        last = control.share.get((c, str(e)), PUBLISHED)
        any_year = any(control.share.get((c, str(y)), PUBLISHED) != PUBLISHED for y in range(s, e + 1))
        rows.append((own, first != PUBLISHED, last != PUBLISHED, any_year))
    masks = pl.DataFrame(rows, schema=["_st", "_first", "_last", "_any"], orient="row")
    w = pl.concat([w, masks], how="horizontal")
    w = w.with_columns(
        first_year_value=pl.when(pl.col("_first")).then(None).otherwise(pl.col("first_year_value")),
        last_year_value=pl.when(pl.col("_last")).then(None).otherwise(pl.col("last_year_value")),
        yearly_mean=pl.when(pl.col("_any")).then(None).otherwise(pl.col("yearly_mean")),
        change_pct=pl.when(pl.col("_first") | pl.col("_last")).then(None).otherwise(pl.col("change_pct")),
        derived_conf_status=pl.when(pl.col("_first") | pl.col("_last") | pl.col("_any"))
        .then(pl.lit(SECONDARY))
        .otherwise(pl.lit(PUBLISHED)),
    ).drop("_first", "_last", "_any")
    out["fct_indicator_window"] = _with_flags(w, ["value", "numerator"])
    # reconciliation: no computed value (nor verdict) from a suppressed number
    rec = frames["rpt_reconciliation"]
    hidden = []
    for c, period, d, dv in rec.select("indicator_code", "period", "dimension", "dimension_value").iter_rows():
        if d is not None:
            st = PUBLISHED if (c, period, d) not in control.withheld else WITHHELD
            st = control.cell.get((c, period, d, dv), st)
        else:
            st = control.share.get((c, period), PUBLISHED)
        hidden.append(st != PUBLISHED)
    out["rpt_reconciliation"] = (
        rec.with_columns(_h=pl.Series(hidden, dtype=pl.Boolean))
        .with_columns(
            computed_value=pl.when(pl.col("_h")).then(None).otherwise(pl.col("computed_value")),
            holds=pl.when(pl.col("_h")).then(None).otherwise(pl.col("holds")),
            conf_status=pl.when(pl.col("_h")).then(pl.lit(PRIMARY)).otherwise(pl.lit(PUBLISHED)),
        )
        .drop("_h")
    )
    if "rpt_plausibility" in frames:
        out["rpt_plausibility"] = redact_plausibility(frames["rpt_plausibility"], control)
    return out


REDACTED_SENTENCE = "A check flagged a confidential figure; its details are not published."


def redact_plausibility(flags: pl.DataFrame, control: Control) -> pl.DataFrame:
    """Plausibility flags as published: a flag on a suppressed breakdown cell, a withheld group or a
    suppressed share value shows neither its observed value nor its sentence (which quotes the value)."""
    hidden = []
    cols = [c for c in ("indicator_code", "period", "dimension", "dimension_value") if c in flags.columns]
    for r in flags.select(cols).iter_rows(named=True):
        code, period = r.get("indicator_code"), None if r.get("period") is None else str(r["period"])
        dim, val = r.get("dimension"), r.get("dimension_value")
        if code is None or period is None:
            hidden.append(False)
        elif dim is not None:
            st = (
                WITHHELD
                if (code, period, dim) in control.withheld
                else control.cell.get((code, period, dim, val), PUBLISHED)
            )
            hidden.append(st != PUBLISHED)
        else:
            hidden.append(control.share.get((code, period), PUBLISHED) != PUBLISHED)
    mask = pl.Series("_h", hidden, dtype=pl.Boolean)
    out = flags.with_columns(mask)
    changes = []
    if "observed" in flags.columns:
        changes.append(pl.when(pl.col("_h")).then(None).otherwise(pl.col("observed")).alias("observed"))
    if "sentence" in flags.columns:
        changes.append(
            pl.when(pl.col("_h")).then(pl.lit(REDACTED_SENTENCE)).otherwise(pl.col("sentence")).alias("sentence")
        )
    return out.with_columns(*changes).drop("_h") if changes else out.drop("_h")


def _with_flags(df: pl.DataFrame, masked: list[str]) -> pl.DataFrame:
    hide = pl.col("_st") != PUBLISHED
    return df.with_columns(
        *[pl.when(hide).then(None).otherwise(pl.col(c)).alias(c) for c in masked if c in df.columns],
        obs_status=pl.when(hide).then(pl.lit(OBS_SUPPRESSED)).otherwise(pl.lit(OBS_NORMAL)),
        conf_status=pl.when(pl.col("_st") == PUBLISHED)
        .then(pl.lit(PUBLISHED))
        .when(pl.col("_st") == SECONDARY)
        .then(pl.lit(SECONDARY))
        .otherwise(pl.lit(PRIMARY)),
    ).drop("_st")


def control_frames(frames: dict[str, pl.DataFrame], k: int) -> tuple[dict[str, pl.DataFrame], Control]:
    control = decide(frames, k)
    return apply_control(frames, control), control


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


def suppression_summary(frames: dict[str, pl.DataFrame]) -> dict:
    b = frames["fct_indicator_breakdown"]
    markers = b.filter(pl.col("dimension_value").is_null())
    cells = b.filter(pl.col("dimension_value").is_not_null())
    return {
        "cells": cells.height,
        "primary": cells.filter(pl.col("conf_status") == PRIMARY).height,
        "secondary": cells.filter(pl.col("conf_status") == SECONDARY).height,
        "withheld_groups": markers.height,
    }


# --- the long form -----------------------------------------------------------------------------------------


def long_values(frames: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """One row per published number of the three fact tables, with its flags (values.parquet)."""
    parts = []
    v = frames["fct_indicator_values"]
    for m in ("value", "numerator", "denominator"):
        part = v if m == "value" else v.filter(pl.col("unit") == "percent")
        parts.append(
            part.select(
                pl.lit("fct_indicator_values").alias("table_name"),
                "indicator_code",
                "strategy_point",
                pl.col("year").cast(pl.String).alias("period"),
                pl.lit(None, pl.String).alias("dimension"),
                pl.lit(None, pl.String).alias("dimension_value"),
                pl.lit(m).alias("measure"),
                pl.col(m).cast(pl.Float64).alias("value"),
                *_long_flags(m, ("value", "numerator")),
                "unit",
            )
        )
    w = frames["fct_indicator_window"]
    for m in ("value", "numerator", "denominator", "yearly_mean", "first_year_value", "last_year_value", "change_pct"):
        part = w if m not in ("numerator", "denominator") else w.filter(pl.col("unit") == "percent")
        flags = _long_flags(m, ("value", "numerator"))
        if m in ("yearly_mean", "first_year_value", "last_year_value", "change_pct"):
            hidden = pl.col(m).is_null() & (pl.col("derived_conf_status") != PUBLISHED)
            flags = [
                pl.when(hidden).then(pl.lit(OBS_SUPPRESSED)).otherwise(pl.lit(OBS_NORMAL)).alias("obs_status"),
                pl.when(hidden).then(pl.lit(SECONDARY)).otherwise(pl.lit(PUBLISHED)).alias("conf_status"),
            ]
        parts.append(
            part.select(
                pl.lit("fct_indicator_window").alias("table_name"),
                "indicator_code",
                "strategy_point",
                (pl.col("window_start").cast(pl.String) + "-" + pl.col("window_end").cast(pl.String)).alias("period"),
                pl.lit(None, pl.String).alias("dimension"),
                pl.lit(None, pl.String).alias("dimension_value"),
                pl.lit(m).alias("measure"),
                pl.col(m).cast(pl.Float64).alias("value"),
                *flags,
                "unit",
            )
        )
    b = frames["fct_indicator_breakdown"]
    parts.append(
        b.select(
            pl.lit("fct_indicator_breakdown").alias("table_name"),
            "indicator_code",
            "strategy_point",
            "period",
            "dimension",
            "dimension_value",
            pl.lit("value").alias("measure"),
            pl.col("value").cast(pl.Float64),
            "obs_status",
            "conf_status",
            "unit",
        )
    )
    out = pl.concat([p.cast(LONG_SCHEMA) for p in parts], how="vertical")  # type: ignore[arg-type]
    return out.select(list(LONG_SCHEMA))


def _long_flags(measure: str, controlled: tuple[str, ...]) -> list[pl.Expr]:
    if measure in controlled:
        return [pl.col("obs_status"), pl.col("conf_status")]
    return [pl.lit(OBS_NORMAL).alias("obs_status"), pl.lit(PUBLISHED).alias("conf_status")]
