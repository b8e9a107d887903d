{#-
  service_indicator_members(services): the (indicator_code, service) pairs of the catalogue's service-based
  indicators (int_service_sets) over a relation of services with service_type and project_code, by the same
  three equi-joins as int_indicator_services (catalogue_members, macros/indicator_services.sql). Used for rows
  that int_indicator_services does not hold: the rejected rows' context (what they would have fed). The project
  tagging is the current build's (int_project_points).
-#}
{% macro service_indicator_members(services) %}
with svc_catalogue as (
    select indicator_code, service_type, reached_point from {{ ref('int_service_sets') }}
)
{{ catalogue_members('indicator_code', 'svc_catalogue', services, ref('int_project_points')) }}
{% endmacro %}

{#- The period condition of a project-based measure (as int_indicator_period_values applies it). -#}
{% macro project_in_period(measure, start_date, end_date, p) -%}
(case {{ measure }}
    when 'projects_active' then extract(year from {{ start_date }}) <= {{ p }}.period_end
        and ({{ end_date }} is null or extract(year from {{ end_date }}) >= {{ p }}.period_start)
    when 'projects_started' then extract(year from {{ start_date }}) between {{ p }}.period_start and {{ p }}.period_end
    when 'budget_started' then extract(year from {{ start_date }}) between {{ p }}.period_start and {{ p }}.period_end
    else false
end)
{%- endmacro %}

{#- The distinct values of a string expression over a group, sorted and joined by ', '. -#}
{% macro sorted_list_agg(expr) %}{{ return(adapter.dispatch('sorted_list_agg', 'review_warehouse')(expr)) }}{% endmacro %}
{% macro default__sorted_list_agg(expr) %}string_agg(distinct {{ expr }}, ', ' order by {{ expr }}){% endmacro %}
{% macro spark__sorted_list_agg(expr) %}array_join(sort_array(collect_set({{ expr }})), ', '){% endmacro %}
