{#- generated from the contract's column tables (schemas/) by `python -m pipelines.ingest_lake`;
    do not edit (tests/test_contract_table.py checks it is in sync).
  lake_columns(kind): the columns of one kind's valid rows in the lake, in lake order, without
  cache_key and row_number (every lake row carries them; delivered_rows reads them itself). The
  staging models read their column lists from here. -#}
{% macro lake_columns(kind) %}
{%- set columns = {
    'projects': ['project_code', 'title', 'country_iso3', 'activity_type', 'strategy_points', 'primary_point', 'start_date', 'end_date', 'budget_usd', 'extracted_at'],
    'expenditures': ['project_code', 'year', 'expenditure_usd', 'extracted_at'],
    'beneficiaries': ['service_id', 'person_key', 'sex', 'age_band', 'service_type', 'strategy_point', 'service_date', 'country_of_service', 'destination_country', 'case_category', 'project_code', 'extracted_at']
} -%}
{{ return(columns[kind]) }}
{% endmacro %}
