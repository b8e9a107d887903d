{#-
  create_lake_sources (on-run-start): make the lake's Parquet files readable as the `lake` sources.
  DuckDB needs nothing: dbt-duckdb reads each source through its `external_location`. On Spark each
  source becomes a view lake.<name> over the same files (meta.lake_path under REVIEW_LAKE_DIR), recreated
  by every run so that it sees the deliveries of this refresh. Nothing but the lake is read: personal
  data never reaches it (ingest drops or pseudonymises it).
-#}
{% macro create_lake_sources() %}{{ return(adapter.dispatch('create_lake_sources', 'review_warehouse')()) }}{% endmacro %}

{% macro default__create_lake_sources() %}{% endmacro %}

{% macro spark__create_lake_sources() %}
{%- if execute -%}
{%- set lake_dir = env_var('REVIEW_LAKE_DIR', 'data/lake') -%}
{%- set schemas = [] -%}
{%- for node in graph.sources.values() if node.source_name == 'lake' -%}
    {%- if node.schema not in schemas -%}
        {%- do run_query('create database if not exists ' ~ node.schema) -%}
        {%- do schemas.append(node.schema) -%}
    {%- endif -%}
    {%- do run_query('create or replace view ' ~ node.schema ~ '.' ~ node.identifier
        ~ ' as select * from ' ~ parquet_files(lake_dir ~ '/' ~ node.meta.lake_path)) -%}
{%- endfor -%}
{%- endif -%}
{% endmacro %}
