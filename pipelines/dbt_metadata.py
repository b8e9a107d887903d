"""Row counts and column schemas of the dbt assets, recorded after the dbt build.

dagster-dbt's `fetch_row_counts()` / `fetch_column_metadata()` query through the dbt adapter *in the Dagster
process while the dbt subprocess is still building*: on DuckDB that means opening the build file in a
second process beside its writer, which DuckDB refuses ("one writer process or many readers, never
both"); had it succeeded, the dbt process could no longer write. So they are not used. Instead, once
`dbt build` has exited, the build file is opened read-only for a moment and each built table gets an
AssetObservation with `dagster/row_count` and `dagster/column_schema` (types and the descriptions that
persist_docs wrote). Views (staging) get the schema only: counting them would re-run their query.
On Spark there is no build file yet at this point: nothing is recorded.
"""

from __future__ import annotations

import dagster as dg
import duckdb


def table_observations(settings, context: dg.AssetExecutionContext):
    """AssetObservations for the selected dbt assets found in the finished build file."""
    if settings.on_spark or not settings.build_path.exists():
        return
    selected = {tuple(k.path) for k in context.selected_asset_keys}
    try:
        out = _observations(settings, selected)
    except duckdb.Error as e:  # metadata only: never fail a refresh for it
        context.log.warning(f"row counts and column schemas not recorded: {type(e).__name__}: {e}")
        return
    yield from out


def _observations(settings, selected: set[tuple]) -> list[dg.AssetObservation]:
    con = duckdb.connect(str(settings.build_path), read_only=True)
    try:
        relations = con.execute(
            "select schema_name, table_name, 'table' from duckdb_tables() where database_name = current_database() "
            "union all select schema_name, view_name, 'view' from duckdb_views() "
            "where database_name = current_database() and not internal"
        ).fetchall()
        columns: dict[tuple, list] = {}
        for s, t, c, typ, comment in con.execute(
            "select schema_name, table_name, column_name, data_type, comment from duckdb_columns() "
            "where database_name = current_database() order by schema_name, table_name, column_index"
        ).fetchall():
            columns.setdefault((s, t), []).append(dg.TableColumn(name=c, type=typ, description=comment or None))
        out = []
        for schema, name, kind in relations:
            if (schema, name) not in selected:
                continue
            metadata = {"dagster/column_schema": dg.TableSchema(columns=columns.get((schema, name), []))}
            if kind == "table":
                metadata["dagster/row_count"] = int(con.execute(f'select count(*) from "{schema}"."{name}"').fetchall()[0][0])
            out.append(dg.AssetObservation(asset_key=dg.AssetKey([schema, name]), metadata=metadata))
    finally:
        con.close()
    return out
