{#-
  Helpers of the plausibility checks (issue 14: int_plausibility_*, marts.rpt_plausibility).
-#}

{#- A number as text with thousands separators and `decimals` decimals, for the flags' sentences. -#}
{% macro plausibility_number(x, decimals=0) %}{{ return(adapter.dispatch('plausibility_number', 'review_warehouse')(x, decimals)) }}{% endmacro %}
{% macro default__plausibility_number(x, decimals=0) %}format('{:,.{{ decimals }}f}', cast({{ x }} as double)){% endmacro %}
{% macro spark__plausibility_number(x, decimals=0) %}format_number(cast({{ x }} as double), {{ decimals }}){% endmacro %}

{#- The distinct values of a text expression of a group, sorted, joined by `sep`. -#}
{% macro plausibility_sorted_list(expr, sep) %}{{ return(adapter.dispatch('plausibility_sorted_list', 'review_warehouse')(expr, sep)) }}{% endmacro %}
{% macro default__plausibility_sorted_list(expr, sep) %}string_agg(distinct {{ expr }}, '{{ sep }}' order by {{ expr }}){% endmacro %}
{% macro spark__plausibility_sorted_list(expr, sep) %}nullif(concat_ws('{{ sep }}', array_sort(collect_set({{ expr }}))), ''){% endmacro %}

{#- The acknowledgements file (flag_key, acknowledged_by, acknowledged_at, reason) as a relation of text
    columns: the normalised copy of $REVIEW_ACKNOWLEDGEMENTS that pipelines/publication/plausibility.py
    writes before dbt runs ($REVIEW_ACKNOWLEDGEMENTS_READ); run by hand, dbt reads $REVIEW_ACKNOWLEDGEMENTS
    (default data/acknowledgements.csv) itself. -#}
{% macro plausibility_acknowledgements_file() %}{{ return(adapter.dispatch('plausibility_acknowledgements_file', 'review_warehouse')()) }}{% endmacro %}
{% macro default__plausibility_acknowledgements_file() -%}
read_csv('{{ env_var("REVIEW_ACKNOWLEDGEMENTS_READ", env_var("REVIEW_ACKNOWLEDGEMENTS", "../data/acknowledgements.csv")) | replace("'", "''") }}', header = true, delim = ',', quote = '"',
    escape = '"', columns = {'flag_key': 'VARCHAR', 'acknowledged_by': 'VARCHAR', 'acknowledged_at': 'VARCHAR', 'reason': 'VARCHAR'})
{%- endmacro %}
{#- Spark reads the file without a header option: columns _c0.._c3, the header line dropped by its text. -#}
{% macro spark__plausibility_acknowledgements_file() -%}
(select _c0 as flag_key, _c1 as acknowledged_by, _c2 as acknowledged_at, _c3 as reason
 from csv.`{{ env_var("REVIEW_ACKNOWLEDGEMENTS_READ", env_var("REVIEW_ACKNOWLEDGEMENTS", "../data/acknowledgements.csv")) }}` where _c0 <> 'flag_key')
{%- endmacro %}
