{#-
  The indicator/period pairs of int_person_periods with their integer key (`cell`): a cell is a service
  set and period (int_service_sets), given to every indicator of the set, so one cell can be the cell of
  several indicators. Two set/period pairs with the same hash would be merged: stop rather than miscount.
  DuckDB filters with QUALIFY; Spark SQL has none, so there the window column is filtered in a subquery.
  The pairs are every set with every period (int_service_sets, int_periods): a superset of those with
  services, which readers join to their counts, checked for collisions all the same. It replaces a distinct
  over every service-period row (int_indicator_services: 93.5M rows and 2.8 s per reader at scale 10).
-#}
{% macro cells_free_of_collisions() %}{{ return(adapter.dispatch('cells_free_of_collisions', 'review_warehouse')()) }}{% endmacro %}

{% macro set_period_pairs() -%}
(select distinct s.service_set, p.period from {{ ref('int_service_sets') }} as s cross join {{ ref('int_periods') }} as p)
{%- endmacro %}

{% macro default__cells_free_of_collisions() -%}
select c.cell, m.indicator_code, c.period
    from (
        select cell, service_set, period
        from (select distinct {{ hash_key('service_set', 'period') }} as cell, service_set, period from {{ set_period_pairs() }} as pairs)
        -- two set/period pairs with the same hash would be merged: stop rather than miscount
        qualify case when count(*) over (partition by cell) > 1
                     then error('int_person_periods: hash collision between service set/period pairs') else true end
    ) as c
    inner join {{ ref('int_service_sets') }} as m on m.service_set = c.service_set
{%- endmacro %}

{% macro spark__cells_free_of_collisions() -%}
select c.cell, m.indicator_code, c.period
    from (
        select cell, service_set, period, count(*) over (partition by cell) as pairs_with_cell
        from (select distinct {{ hash_key('service_set', 'period') }} as cell, service_set, period from {{ set_period_pairs() }} as pairs) as d
    ) as c
    inner join {{ ref('int_service_sets') }} as m on m.service_set = c.service_set
    where case when c.pairs_with_cell > 1
               then {{ stop_build("'int_person_periods: hash collision between service set/period pairs'") }} else true end
{%- endmacro %}

{#-
  The winning services' files as integers (`file_id`, beneficiary_file_id: a hash of the name): int_services
  gives each service its file's so, and int_provenance_counted turns them back into names with this query.
-#}
{% macro beneficiary_file_ids() -%}
select file_name, {{ beneficiary_file_id('file_name') }} as file_id
    from (select distinct file_name from {{ ref('stg_lake__beneficiaries') }}) as f
{%- endmacro %}

{#- A beneficiaries file's id in int_services: a 63-bit hash of its name, so that it does not depend on the other
    files (an incremental build keeps the rows of untouched services; a numbering in file-name order changed
    whenever a file sorting before came or went). int_provenance_counted maps ids back to names with
    beneficiary_file_ids and checks that no two names share an id. -#}
{% macro beneficiary_file_id(file_name) -%}
{{ person_hash(file_name, 63) }}
{%- endmacro %}

{#- The name of a set of services (int_service_sets): its service type and the strategy point (a number) its
    projects are tagged with, '*' for none (every type; every project). Service types hold no ' @ '. -#}
{% macro service_set_key(service_type, reached_point) -%}
coalesce({{ service_type }}, '*') || ' @ ' || coalesce(cast({{ reached_point }} as {{ type_varchar() }}), '*')
{%- endmacro %}
