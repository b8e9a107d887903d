{#- How many parts int_person_periods aggregates its (cell, person) groups in: one per
    `person_period_services_per_chunk` rows of the table `identifier` in the model's own schema (var,
    default 12,000,000), at least 1, so that the groups of one part fit in DuckDB's memory limit at any
    volume. Measured (docs/performance.md): at the default 1000MB limit a part of ~16.5M services
    passes (scale 10 in one part, scale 30 in three), at 800MB it fails; 12M leaves a margin below that,
    for two parts at scale 10 (+6.5 s on 60 s, the model alone) and five at scale 30. A lower
    REVIEW_DUCKDB_MEMORY_LIMIT needs smaller parts, about in proportion (not measured below 1000MB). The var
    `person_period_chunks` sets the number instead (tests). Counted when the model runs; when it is
    only parsed or compiled without a database, or the relation is not built yet (a unit test's
    fixture), 1. The table is looked up, not ref()'d: a ref would make every unit test of the model give
    it as an input; it is upstream of the model anyway. -#}
{% macro person_period_chunks(identifier) %}
    {%- set fixed = var('person_period_chunks', none) -%}
    {%- if fixed is not none -%}
        {{ return(fixed | int) }}
    {%- endif -%}
    {%- if not execute or model.resource_type != 'model' -%}
        {{ return(1) }}
    {%- endif -%}
    {%- set built = adapter.get_relation(this.database, this.schema, identifier) -%}
    {%- if built is none -%}
        {{ return(1) }}
    {%- endif -%}
    {%- set per_chunk = var('person_period_services_per_chunk', 12000000) | int -%}
    {%- set n = run_query('select count(*) from ' ~ built).columns[0].values()[0] | int -%}
    {{ return([1, (n + per_chunk - 1) // per_chunk] | max) }}
{% endmacro %}

{#- How many parts of at most `per_part` rows the relation's rows make (int_services' windows), at least 1.
    Counted when the model runs; when it is only parsed, or in a unit test (whose inputs are fixtures), 1. -#}
{% macro rows_in_parts(relation, per_part) %}
    {%- if not execute or model.resource_type != 'model' -%}
        {{ return(1) }}
    {%- endif -%}
    {%- set n = run_query('select count(*) from ' ~ relation).columns[0].values()[0] | int -%}
    {{ return([1, (n + (per_part | int) - 1) // (per_part | int)] | max) }}
{% endmacro %}
