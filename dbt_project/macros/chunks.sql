{#- How many parts int_person_periods aggregates its (cell, person) groups in: one per
    `person_period_services_per_chunk` rows of the table `identifier` in the model's own schema (var,
    default 20,000,000), at least 1, so that the groups of one part fit in DuckDB's memory limit at any
    volume. 20M: at scale 10 (~17M service rows) one aggregate fits in 1000MB, and one part costs nothing
    extra; at scale 30 one aggregate ran out of 1200MB (docs/performance.md). The var
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
    {%- set per_chunk = var('person_period_services_per_chunk', 20000000) | int -%}
    {%- set n = run_query('select count(*) from ' ~ built).columns[0].values()[0] | int -%}
    {{ return([1, (n + per_chunk - 1) // per_chunk] | max) }}
{% endmacro %}
