"""Row counts and column schemas of the dbt assets, recorded after the dbt build.

dagster-dbt's `fetch_row_counts()` / `fetch_column_metadata()` query through the dbt adapter *in the Dagster
process while the dbt subprocess is still building*: on DuckDB that means opening the build file in a
second process beside its writer, which DuckDB refuses ("one writer process or many readers, never
both"); had it succeeded, the dbt process could no longer write. So they are not used. Instead, once
`dbt build` has exited, the build file is opened read-only for a moment and each built table's
materialization carries `dagster/row_count` and `dagster/column_schema` (types and the descriptions that
persist_docs wrote): the materializations are held back until then (`with_table_metadata`), so the UI
shows them, with the column lineage, on the asset's latest materialization as for any dagster-dbt asset. Views (staging) get the schema only: counting them would re-run their query.

Column-level lineage (`dagster/column_lineage`) is built the way dagster-dbt builds it (its own builder,
`_build_column_lineage_metadata`: sqlglot over each model's compiled SQL, with the column types of the
model and its parents), fed with the column types read from the same finished build file. A parent read
through `read_parquet(...)` (the lake sources) is not a table sqlglot can resolve: the columns of the models
that read the lake directly show no upstream column (their asset-level dependency on the ingest assets
remains); every model built from other models or seeds has its column lineage.
A model whose SQL sqlglot cannot follow gets no lineage; the refresh never fails for it. sqlglot takes
~0.01-2 s a model (~8 s for the project): the result is cached per model in
`dbt_project/target/column_lineage.json` (the dbt project's target folder, beside dbt's manifest and partial
parse), keyed by a digest of the compiled SQL and the column types it was derived from, so only a changed
model is analysed again. It is a function of the code, not of the data: a refresh into a new or emptied
warehouse reuses it (beside the warehouse, as it was until 2026-12-07, every such refresh paid the ~8 s).
On Spark there is no build file yet at this point: nothing is recorded.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.ingest_lake import write_json_atomic

LOG = logging.getLogger(__name__)


def with_table_metadata(events, settings, context: dg.AssetExecutionContext, invocation, translator=None, project=None):
    """The events of a dbt build (`invocation.stream()`), with each built table's row count, column schema
    and column lineage added to its materialization. The materializations are held back until dbt has
    exited (the metadata is read from the finished build file); every other event (logs, asset check
    results) passes through as it comes."""
    held = []
    for event in events:
        if isinstance(event, dg.Output | dg.AssetMaterialization):
            held.append(event)
        else:
            yield event
    extra = table_metadata(settings, context, invocation, translator, project)
    for event in held:
        key = (
            event.asset_key
            if isinstance(event, dg.AssetMaterialization)
            else context.asset_key_for_output(event.output_name)
        )
        more = extra.get(key)
        yield event.with_metadata({**(event.metadata or {}), **more}) if more else event


def table_metadata(settings, context: dg.AssetExecutionContext, invocation=None, translator=None, project=None) -> dict:
    """{asset key: metadata} for the selected dbt assets found in the finished build file: row count (tables),
    column schema, and with the dbt invocation, translator and project their column-level lineage. Empty on
    Spark or on error."""
    if settings.on_spark or not settings.build_path.exists():
        return {}
    selected = {tuple(k.path) for k in context.selected_asset_keys}
    lineage, cache = None, {}
    if invocation is not None and translator is not None and project is not None:
        cache_path = Path(project.project_dir) / project.target_path / "column_lineage.json"
        cache = _read_cache(cache_path)
        roots = (str(settings.lake_dir), str(settings.warehouse.parent))  # the lake, the editions
        lineage = _lineage_builder(invocation.manifest, invocation.target_path, translator, project, cache, roots)
    try:
        out = _metadata(settings, selected, lineage)
    except duckdb.Error as e:  # metadata only: never fail a refresh for it
        context.log.warning(f"row counts and column schemas not recorded: {type(e).__name__}: {e}")
        return {}
    if lineage is not None:
        try:  # only this build's models: entries of models since changed drop out
            # atomically: refreshes of other warehouses (tests, a second deployment) share the file
            write_json_atomic({k: v for k, v in cache.items() if k in lineage.used}, cache_path)
        except OSError as e:
            context.log.warning(f"column lineage cache not written: {e}")
    return out


def _lineage_builder(
    manifest: dict, target_path, translator, project, cache: dict | None = None, roots: tuple[str, ...] = ()
) -> Callable:
    """f(key path, columns by (schema, name)) -> {'dagster/column_lineage': ...} or {} for one model.
    `cache` (digest -> {column: [[asset key path, column], ...]}) is read and filled. `roots`: the folders
    of this deployment that compiled SQL names in file paths (`read_parquet('<lake>/...')`); the digest
    is taken with each replaced by a placeholder, so that a model is not analysed again only because
    another deployment (a test's temporary folder) built it last: a file path is not a column and changes
    no lineage. ~3 s a refresh for the 10 models that read the lake or the editions (measured at 0.1x)."""
    placeholders = [
        (form, f"<root {i}>")
        for i, root in enumerate(sorted({r for r in roots if r}, key=len, reverse=True))
        for form in (root.replace("'", "''"), root)  # as SQL quotes it, then as written
    ]
    try:
        from dagster_dbt.core.dbt_cli_event import EventHistoryMetadata, _build_column_lineage_metadata
    except ImportError:  # dagster-dbt moved it: no lineage, say so once
        LOG.warning("column lineage not recorded: this dagster-dbt has no _build_column_lineage_metadata")

        def nothing(key, columns):
            return {}

        nothing.used = set()
        return nothing

    def relation(props: dict) -> tuple[str, str] | None:
        """(schema, table) of a model or seed in the build file; None for the lake sources (read_parquet)."""
        if props.get("resource_type") not in ("model", "seed"):
            return None
        return (props["schema"], props.get("alias") or props["name"])

    by_key = {relation(n): n for n in manifest["nodes"].values() if n["resource_type"] == "model"}

    def build(key: tuple, columns: dict[tuple, dict]) -> dict:
        props = by_key.get(key)
        if props is None or key not in columns:
            return {}
        parents = {}
        for uid in props["depends_on"]["nodes"]:
            parent = manifest["nodes"].get(uid) or manifest["sources"].get(uid)
            rel = relation(parent) if parent else None
            if rel is not None and rel in columns:
                parents[parent["relation_name"]] = columns[rel]
        sql_path = Path(target_path, "compiled", props["package_name"], props["original_file_path"])
        try:
            sql = sql_path.read_text()
        except OSError:
            return {}
        shape = sql
        for form, placeholder in placeholders:
            shape = shape.replace(form, placeholder)
        digest = hashlib.sha256(
            json.dumps([shape, columns[key], sorted(parents.items())], sort_keys=True).encode()
        ).hexdigest()
        build.used.add(digest)
        if cache is not None and digest in cache:
            deps = {
                c: [dg.TableColumnDep(asset_key=dg.AssetKey(k), column_name=n) for k, n in v]
                for c, v in cache[digest].items()
            }
            return {"dagster/column_lineage": dg.TableColumnLineage(deps_by_column=deps)}
        try:
            md = _build_column_lineage_metadata(
                event_history_metadata=EventHistoryMetadata(columns=columns[key], parents=parents),
                dbt_resource_props=props,
                manifest=manifest,
                dagster_dbt_translator=translator,
                target_path=target_path,
                project=project,
            )
        except Exception as e:  # noqa: BLE001 - sqlglot cannot follow this SQL: no lineage for the model
            LOG.debug("no column lineage for %s: %s: %s", props["unique_id"], type(e).__name__, e)
            return {}
        if cache is not None and "dagster/column_lineage" in md:
            cache[digest] = {
                c: [[list(d.asset_key.path), d.column_name] for d in v]
                for c, v in md["dagster/column_lineage"].deps_by_column.items()
            }
        return md

    build.used = set()  # digests of this build's models: what the cache keeps
    return build


def _read_cache(path: Path) -> dict:
    try:
        data = json.loads(path.read_text())
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _metadata(settings, selected: set[tuple], lineage: Callable | None = None) -> dict[dg.AssetKey, dict]:
    con = duckdb.connect(str(settings.build_path), read_only=True)
    try:
        relations = con.execute(
            "select schema_name, table_name, 'table' from duckdb_tables() where database_name = current_database() "
            "union all select schema_name, view_name, 'view' from duckdb_views() "
            "where database_name = current_database() and not internal"
        ).fetchall()
        columns: dict[tuple, list] = {}
        types: dict[tuple, dict] = {}
        for s, t, c, typ, comment in con.execute(
            "select schema_name, table_name, column_name, data_type, comment from duckdb_columns() "
            "where database_name = current_database() order by schema_name, table_name, column_index"
        ).fetchall():
            columns.setdefault((s, t), []).append(dg.TableColumn(name=c, type=typ, description=comment or None))
            types.setdefault((s, t), {})[c] = {"data_type": typ}
        out = {}
        for schema, name, kind in relations:
            if (schema, name) not in selected:
                continue
            metadata = {"dagster/column_schema": dg.TableSchema(columns=columns.get((schema, name), []))}
            if kind == "table":
                metadata["dagster/row_count"] = int(
                    con.execute(f'select count(*) from "{schema}"."{name}"').fetchall()[0][0]
                )
            if lineage is not None:
                metadata.update(lineage((schema, name), types))
            out[dg.AssetKey([schema, name])] = metadata
    finally:
        con.close()
    return out
