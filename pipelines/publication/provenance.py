"""The provenance of an edition's values, frozen with it (`<edition>/provenance.parquet`).

`freeze_provenance` copies marts.rpt_value_provenance of the warehouse being published: per yearly and
window value, the source files that fed it (name, kind, SHA-256, rows counted, persons or projects
counted, rows that lost to a later version) and the rejected and held rows that would have fed it. So
"where did this published number come from" stays answerable after the drop zone has changed
(`review-explain CODE PERIOD --edition NAME`, or read the Parquet file). Counts of rows and files only:
no personal data, no value of a raw file. Breakdown values have the provenance of their indicator and
period.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import polars as pl

PROVENANCE_SCHEMA: dict[str, pl.DataType] = {
    "edition": pl.String,
    "indicator_code": pl.String,
    "strategy_point": pl.Int32,
    "period": pl.String,
    "period_kind": pl.String,
    "value": pl.Float64,
    "unit": pl.String,
    "contribution": pl.String,
    "kind": pl.String,
    "file_name": pl.String,
    "sha256": pl.String,
    "check_name": pl.String,
    "row_count": pl.Int64,
    "unit_count": pl.Int64,
    "unit_counted": pl.String,
    "rows_superseded": pl.Int64,
}


RULE_VERSIONS_SCHEMA: dict[str, pl.DataType] = {
    "edition": pl.String,
    "indicator_code": pl.String,
    "rule_version": pl.String,
}


def write_placeholders(folder: Path) -> None:
    """0-row provenance.parquet and rule_versions.parquet in the placeholder edition, so that the globs
    of marts.edition_provenance and rpt_restatement always match."""
    for name, schema in (("provenance", PROVENANCE_SCHEMA), ("rule_versions", RULE_VERSIONS_SCHEMA)):
        target = folder / f"{name}.parquet"
        if not target.exists():
            tmp = folder / f".{name}.{os.getpid()}.parquet"
            pl.DataFrame(schema=schema).write_parquet(tmp)
            os.replace(tmp, target)


def _read(warehouse: Path, table: str, columns: list[str], order: str) -> pl.DataFrame | None:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        schema, name = table.split(".")
        exists = con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?", [schema, name]
        ).fetchall()[0][0]
        if not exists:
            return None
        return pl.from_arrow(con.sql(f"select {', '.join(columns)} from {table} order by {order}").to_arrow_table())
    finally:
        con.close()


def read_provenance(warehouse: Path) -> pl.DataFrame:
    """marts.rpt_value_provenance of a warehouse (read-only); 0 rows if the warehouse predates it."""
    cols = [c for c in PROVENANCE_SCHEMA if c != "edition"]
    df = _read(
        warehouse,
        "marts.rpt_value_provenance",
        cols,
        "indicator_code, period, contribution, kind, file_name, check_name",
    )
    return df if df is not None else pl.DataFrame(schema={c: PROVENANCE_SCHEMA[c] for c in cols})


def freeze_provenance(warehouse: Path, folder: Path, edition: str) -> Path:
    """Write `folder/provenance.parquet` (the provenance of every value of the edition being frozen) and
    `folder/rule_versions.parquet` (each indicator's rule version, intermediate.int_provenance_rule_versions)."""
    df = read_provenance(warehouse).with_columns(edition=pl.lit(edition))
    target = folder / "provenance.parquet"
    df.select(list(PROVENANCE_SCHEMA)).cast(PROVENANCE_SCHEMA).write_parquet(target)  # type: ignore[arg-type]
    rv = _read(
        warehouse, "intermediate.int_provenance_rule_versions", ["indicator_code", "rule_version"], "indicator_code"
    )
    rv = rv if rv is not None else pl.DataFrame(schema={"indicator_code": pl.String, "rule_version": pl.String})
    rv.with_columns(edition=pl.lit(edition)).select(list(RULE_VERSIONS_SCHEMA)).cast(
        RULE_VERSIONS_SCHEMA
    ).write_parquet(  # type: ignore[arg-type]
        folder / "rule_versions.parquet"
    )
    return target
