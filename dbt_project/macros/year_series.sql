{#- One row per integer year from start to end (inclusive), column `year`. -#}
{% macro year_series(start_expr, end_expr) %}{{ return(adapter.dispatch('year_series')(start_expr, end_expr)) }}{% endmacro %}

{% macro default__year_series(start_expr, end_expr) %}
select cast(unnest(range({{ start_expr }}, {{ end_expr }} + 1)) as integer) as year
{% endmacro %}

{% macro spark__year_series(start_expr, end_expr) %}
select explode(sequence(cast({{ start_expr }} as integer), cast({{ end_expr }} as integer))) as year
{% endmacro %}
