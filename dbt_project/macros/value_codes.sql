{#-
  Small integer codes for the values of a breakdown dimension, so that grouping tens of millions of
  (service set, period, person) cells aggregates integers, not strings (see int_person_periods).

  code_of(column, values): NULL -> NULL, values[i] -> i (1-based); any other value stops the build
  (the lists are the contract's, and ingest admits nothing else).
  value_of(code, values): the inverse.
  iso3_code(column) / iso3_value(code): an ISO 3166 alpha-3 code (three letters A-Z) <-> 0..17575.
-#}
{% macro code_of(column, values) -%}
(case when {{ column }} is null then null
{%- for v in values %} when {{ column }} = '{{ v }}' then {{ loop.index }}{% endfor %}
 else {{ stop_build("'unexpected value of " ~ column ~ ": ' || " ~ column) }} end)
{%- endmacro %}

{% macro value_of(code, values) -%}
{{ return(adapter.dispatch('value_of', 'review_warehouse')(code, values)) }}
{%- endmacro %}

{% macro default__value_of(code, values) -%}
cast([{% for v in values %}'{{ v }}'{% if not loop.last %}, {% endif %}{% endfor %}][{{ code }}] as varchar)
{%- endmacro %}

{#- Spark: no list literal with 1-based indexing (element_at fails on index 0); a CASE gives NULL for any
    code that is not 1..n, as DuckDB's list index does. -#}
{% macro spark__value_of(code, values) -%}
cast(case {{ code }}{% for v in values %} when {{ loop.index }} then '{{ v }}'{% endfor %} end as string)
{%- endmacro %}

{% macro iso3_code(column) -%}
(case when {{ column }} is null then null
 when length({{ column }}) = 3 and ascii({{ column }}) between 65 and 90
  and ascii(substr({{ column }}, 2)) between 65 and 90 and ascii(substr({{ column }}, 3)) between 65 and 90
 then (ascii({{ column }}) - 65) * 676 + (ascii(substr({{ column }}, 2)) - 65) * 26 + (ascii(substr({{ column }}, 3)) - 65)
 else {{ stop_build("'not an ISO 3166 alpha-3 code in " ~ column ~ ": ' || " ~ column) }} end)
{%- endmacro %}

{% macro iso3_value(code) -%}
(chr(65 + {{ int_div(code, 676) }}) || chr(65 + ({{ int_div(code, 26) }}) % 26) || chr(65 + {{ code }} % 26))
{%- endmacro %}

{#- The contract's code lists (extracts.md; age bands are computed at ingest), in code order. Their source is
    the seed of the same name (seeds/sexes.csv, age_bands.csv, case_categories.csv); dbt's Jinja reads no
    file, so `python -m schemas.dbt_lists` copies them into macros/seed_lists.sql and tests/test_seeds.py
    checks that the two agree. No ref() of the seed: the list is known at compile time, so the models do not
    read the seed's table (and dbt unit tests of the models need no seed input). -#}
{% macro sexes() %}{{ return(seed_list('sexes')) }}{% endmacro %}
{% macro age_bands() %}{{ return(seed_list('age_bands')) }}{% endmacro %}
{% macro case_categories() %}{{ return(seed_list('case_categories')) }}{% endmacro %}
