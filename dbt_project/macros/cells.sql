{#-
  The indicator/period pairs of int_person_periods with their integer key (`cell`). Two pairs with the
  same hash would be merged: stop rather than miscount. DuckDB filters with QUALIFY; Spark SQL has none,
  so there the window column is filtered in a subquery.
-#}
{% macro cells_free_of_collisions(services) %}{{ return(adapter.dispatch('cells_free_of_collisions', 'review_warehouse')(services)) }}{% endmacro %}

{% macro default__cells_free_of_collisions(services) -%}
select cell, indicator_code, period
    from (select distinct hash(indicator_code, period) as cell, indicator_code, period from {{ services }})
    -- two indicator/period pairs with the same hash would be merged: stop rather than miscount
    qualify case when count(*) over (partition by cell) > 1
                 then error('int_person_periods: hash collision between indicator/period pairs') else true end
{%- endmacro %}

{% macro spark__cells_free_of_collisions(services) -%}
select cell, indicator_code, period
    from (
        select cell, indicator_code, period, count(*) over (partition by cell) as pairs_with_cell
        from (select distinct {{ hash_key('indicator_code', 'period') }} as cell, indicator_code, period from {{ services }}) as d
    ) as c
    where case when pairs_with_cell > 1
               then {{ stop_build("'int_person_periods: hash collision between indicator/period pairs'") }} else true end
{%- endmacro %}

{#-
  The winning services' files as small integers (`file_id`, in file-name order): int_services numbers each
  service's file so, and int_provenance_counted turns the numbers back into names with the same query.
-#}
{% macro beneficiary_file_ids() -%}
select file_name, cast(row_number() over (order by file_name) as integer) as file_id
    from (select distinct file_name from {{ ref('stg_lake__beneficiaries') }}) as f
{%- endmacro %}
