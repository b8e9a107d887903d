{#-
  The long form of the current build's published numbers: one row per number of the three fact tables
  (table_name, indicator_code, period, dimension, dimension_value, measure, value, unit), exact (not
  disclosure-controlled). Which numbers: the rows of seeds/measures.csv, in its order (as copied into
  macros/seed_lists.sql by `python -m schemas.dbt_lists`); a `percent_only` measure only for percentage
  indicators. pipelines/publication/published.py (long_values) builds the same long form, with
  its disclosure flags, from the same seed: what editions freeze is what rpt_restatement compares.
-#}
{% macro long_form() -%}
{%- set text = type_varchar() -%}
{%- set keys = {
    'fct_indicator_values': ['cast(year as ' ~ text ~ ')', 'cast(null as ' ~ text ~ ')', 'cast(null as ' ~ text ~ ')'],
    'fct_indicator_window': ['cast(window_start as ' ~ text ~ ") || '-' || cast(window_end as " ~ text ~ ')',
                             'cast(null as ' ~ text ~ ')', 'cast(null as ' ~ text ~ ')'],
    'fct_indicator_breakdown': ['period', 'dimension', 'dimension_value'],
} -%}
{%- for m in seed_list('measures') %}
    {%- set period, dimension, dimension_value = keys[m['table_name']] %}
    select '{{ m["table_name"] }}' as table_name, indicator_code, {{ period }} as period,
           {{ dimension }} as dimension, {{ dimension_value }} as dimension_value, '{{ m["measure"] }}' as measure,
           cast({{ m['measure'] }} as double) as value, unit
    from {{ ref(m['table_name']) }}
    {%- if m['percent_only'] %}
    where unit = 'percent'
    {%- endif %}
    {%- if not loop.last %}
    union all
    {%- endif %}
{%- endfor %}
{%- endmacro %}
