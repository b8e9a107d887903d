{#-
  The person counts kept between builds (issue 17): int_person_periods and int_dimension_records are
  incremental on DuckDB. When int_services recomputed the services of some persons (macros/
  incremental_versions.sql), the touched persons are every person id of a row it removed or inserted; every
  row of such an id was removed (as it was: int_services__touched_removed) and every row of it now is
  inserted. A person's groups in int_person_periods depend only on their own services and on the cells
  those fall in (int_service_sets, int_project_points, int_periods). So, with those three unchanged since
  the last build (compared with the copies the last build kept, `__kept_*`), the new table is the old one
  minus the touched persons' groups as they were plus their groups now: the merged rows (one-valued persons,
  person_id NULL) are sums over persons, so their counts are adjusted; the rows of several-valued persons
  (a person id) are removed and added whole. Groups left with no person are dropped, as a full build never
  makes them. When any of the three changed (a project's points, a new year, another catalogue), the
  models are rebuilt whole. tests/test_incremental.py checks both against a full rebuild.
-#}

{# the relations a service's cells depend on besides the service, kept by each build for the next #}
{% macro person_counts_basis() -%}
{{ return([('points', 'int_project_points'), ('periods', 'int_periods'), ('sets', 'int_service_sets')]) }}
{%- endmacro %}

{% macro person_count_helper(name) -%}
{{ return(sibling('int_person_periods__' ~ name)) }}
{%- endmacro %}

{# true (int_person_periods) when the build is given a delta, int_services kept the rows it removed, and the
   basis is what the last build kept #}
{% macro person_counts_delta_given() %}
{% if not delta_build() %}
    {{ return(false) }}
{% endif %}
{% set needed = [sibling('int_services__touched_removed')] %}
{% for name, model in person_counts_basis() %}
    {% do needed.append(person_count_helper('kept_' ~ name)) %}
{% endfor %}
{% if not delta_helpers_exist(needed) %}
    {{ return(false) }}
{% endif %}
{% set differences = [] %}
{% for name, model in person_counts_basis() %}
    {% set kept, now = person_count_helper('kept_' ~ name), sibling(model) %}
    {% do differences.append('(select count(*) from (select * from ' ~ kept ~ ' except all select * from ' ~ now ~ '))') %}
    {% do differences.append('(select count(*) from (select * from ' ~ now ~ ' except all select * from ' ~ kept ~ '))') %}
{% endfor %}
{% set differing = run_query('select ' ~ differences | join(' + ')).columns[0].values()[0] | int %}
{{ return(differing == 0) }}
{% endmacro %}

{# true (int_dimension_records) when int_person_periods was built incrementally in this build #}
{% macro person_records_delta_given() %}
{{ return(delta_build() and delta_helpers_exist([person_count_helper('touched_ids')])) }}
{% endmacro %}

{# the services of the touched persons, now, and expanded to their sets and periods #}
{% macro touched_services_now() -%}
(select * from {{ sibling('int_services') }} where person_id in (select person_id from {{ person_count_helper('touched_ids') }}))
{%- endmacro %}

{% macro touched_indicator_services(services) -%}
({{ indicator_services(services, sibling('int_service_sets'), sibling('int_project_points'), sibling('int_periods')) }})
{%- endmacro %}

{% macro person_period_key_matches(a, b) -%}
{{ a }}.cell = {{ b }}.cell
    and {{ a }}.person_id is not distinct from {{ b }}.person_id
    {%- for column in person_period_profile() %}
    and {{ a }}.{{ column }} is not distinct from {{ b }}.{{ column }}
    {%- endfor %}
{%- endmacro %}

{# pre-hook of int_person_periods: in a delta build, the touched persons, and the changes to the groups (their
   groups now, minus their groups before, plus the kept rows of every group that changes, which are taken out of
   the table); the model then sums the changes per group and appends them. A build into an existing table
   without a delta (rebuilt whole) deletes every row. #}
{% macro mark_touched_person_periods() %}
{% if target.type == 'duckdb' %}
drop table if exists {{ person_count_helper('touched_ids') }};
{% endif %}
{% if person_counts_delta_given() %}
create table {{ person_count_helper('touched_ids') }} as
select person_id from {{ sibling('int_services__touched_removed') }}
union
select person_id
from {{ sibling('int_services') }}
where service_id in (select service_id from {{ sibling('int_services__touched_services') }});
create or replace table {{ person_count_helper('touched_changes') }} as
with now_groups as (
    {{ person_period_groups(touched_indicator_services(touched_services_now()), 1) }}
),
before_groups as (
    {{ person_period_groups(touched_indicator_services(sibling('int_services__touched_removed')), 1) }}
),
changes as (
    select * from now_groups
    union all
    select cell, person_id, -persons as persons, -records as records, {{ person_period_profile() | join(', ') }}
    from before_groups
)
select * from changes
union all
select e.*
from {{ this }} as e
where exists (select 1 from changes as c where {{ person_period_key_matches('c', 'e') }});
delete from {{ this }} as e
where exists (select 1 from {{ person_count_helper('touched_changes') }} as c where {{ person_period_key_matches('c', 'e') }})
{% else %}
{{ every_row_replaced() }}
{% endif %}
{% endmacro %}

{# post-hook of int_person_periods: the basis this build counted with, for the next build to compare #}
{% macro keep_person_counts_basis() %}
{% if target.type == 'duckdb' %}
{% for name, model in person_counts_basis() %}
create or replace table {{ person_count_helper('kept_' ~ name) }} as select * from {{ sibling(model) }}{{ ';' if not loop.last }}
{% endfor %}
{% else %}
select 1
{% endif %}
{% endmacro %}

{# pre-hook of int_dimension_records: the touched persons' records removed (the model adds them as they are now) #}
{% macro mark_touched_person_records() %}
{% if person_records_delta_given() %}
-- the touched persons' records as they were, for int_dimension_record_counts to subtract
create or replace table {{ sibling('int_dimension_records__touched_removed') }} as
select * from {{ this }} where person_id in (select person_id from {{ person_count_helper('touched_ids') }});
-- the others' records written again rather than the touched ones deleted in place: at scale 30 (56.8M rows) the
-- delete ran out of DuckDB's default 1000MB in the +1% refresh after a full one, twice, once with nothing else
-- running (docs/performance.md); the copy streams (7.6 s at scale 30 alone, against 0.6 s for the delete)
create or replace table {{ this }} as
select * from {{ this }} as r
where not exists (select 1 from {{ person_count_helper('touched_ids') }} as t where t.person_id = r.person_id)
{% else %}
{{ every_row_replaced() }}
{% endif %}
{% endmacro %}

{#- The body of int_provenance_services_by_cell over the rows of `indicator_services` (a relation or parenthesised
    query with int_indicator_services' columns). Distinct persons as two plain aggregations (persons per cell and
    file, then counted): they spill to disk beyond DuckDB's memory limit, where count(distinct) per group ran out
    of memory at scale 10. A person with one winning service (int_services.only_service_of_person) is one row of
    one file in each of their cells: their rows are counted as persons directly, and only the others' rows are
    grouped by person (at scale 10 47.5M of the 93.0M set-period rows; as in int_person_periods). -#}
{% macro provenance_service_counts(indicator_services) %}
with services_by_person as (
    select {{ hash_key('i.service_set', 'i.period') }} as cell, i.file_id, i.person_id, count(*) as n
    from {{ indicator_services }} as i
    where coalesce(i.only_service_of_person, false) = false
    group by {{ hash_key('i.service_set', 'i.period') }}, i.file_id, i.person_id
)
select cell, file_id, cast(sum(rows_counted) as bigint) as rows_counted, cast(sum(units_counted) as bigint) as units_counted
from (
    select cell, file_id, sum(n) as rows_counted, count(*) as units_counted
    from services_by_person
    group by cell, file_id
    union all
    select {{ hash_key('i.service_set', 'i.period') }} as cell, i.file_id, count(*) as rows_counted, count(*) as units_counted
    from {{ indicator_services }} as i
    where i.only_service_of_person
    group by {{ hash_key('i.service_set', 'i.period') }}, i.file_id
) as parts
group by cell, file_id
{% endmacro %}

{# pre-hook of int_provenance_services_by_cell: as int_person_periods' (the touched persons' counts now minus before,
   plus the kept rows of the (cell, file) pairs that change, taken out of the table) #}
{% macro mark_touched_provenance_cells() %}
{% if person_records_delta_given() %}
{% set changes_table = sibling(this.identifier ~ '__touched_changes') %}
create or replace table {{ changes_table }} as
with now_counts as (
    {{ provenance_service_counts(touched_indicator_services(touched_services_now())) }}
),
before_counts as (
    {{ provenance_service_counts(touched_indicator_services(sibling('int_services__touched_removed'))) }}
),
changes as (
    select * from now_counts
    union all
    select cell, file_id, -rows_counted as rows_counted, -units_counted as units_counted from before_counts
)
select * from changes
union all
select e.*
from {{ this }} as e
where exists (select 1 from changes as c where c.cell = e.cell and c.file_id = e.file_id);
delete from {{ this }} as e
where exists (select 1 from {{ changes_table }} as c where c.cell = e.cell and c.file_id = e.file_id)
{% else %}
{{ every_row_replaced() }}
{% endif %}
{% endmacro %}

{#- int_dimension_record_counts over the records `records` (a relation or parenthesised query with
    int_dimension_records' columns): per cell, dimension and value code, distinct persons and records -#}
{% macro dimension_record_counts(records) %}
select cell, dim, code, cast(count(*) as bigint) as persons, cast(sum(n) as bigint) as records
from (
    {%- for d in breakdown_dimensions() %}
    select cell, {{ loop.index }} as dim, {{ d }}_code as code, person_id, count(*) as n
    from {{ records }}
    where {{ d }}_several and {{ d }}_code is not null
    group by cell, {{ d }}_code, person_id
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
) as by_person
group by cell, dim, code
{% endmacro %}

{# the breakdown dimensions, in the order of their codes (int_dimension_record_counts.dim) #}
{% macro breakdown_dimensions() -%}
{{ return(['sex', 'age_band', 'country_of_service', 'destination_country']) }}
{%- endmacro %}

{# true (int_dimension_record_counts) when int_dimension_records replaced only the touched persons' records in
   this build (it kept the removed ones) #}
{% macro record_counts_delta_given() %}
{{ return(delta_build() and delta_helpers_exist([sibling('int_dimension_records__touched_removed')])) }}
{% endmacro %}

{# pre-hook of int_dimension_record_counts: the changes of the touched persons' counts (now minus before, plus
   the kept rows of every value that changes, taken out of the table); the model sums them per value #}
{% macro mark_touched_record_counts() %}
{% if record_counts_delta_given() %}
{% set changes_table = sibling(this.identifier ~ '__touched_changes') %}
create or replace table {{ changes_table }} as
with changes as (
    {{ dimension_record_counts(
        '(select * from ' ~ sibling('int_dimension_records') ~ ' where person_id in (select person_id from '
        ~ person_count_helper('touched_ids') ~ '))'
    ) }}
    union all
    select cell, dim, code, -persons, -records
    from ({{ dimension_record_counts(sibling('int_dimension_records__touched_removed')) }}) as before
)
select * from changes
union all
select e.*
from {{ this }} as e
where exists (select 1 from changes as c where c.cell = e.cell and c.dim = e.dim and c.code = e.code);
delete from {{ this }} as e
where exists (select 1 from {{ changes_table }} as c where c.cell = e.cell and c.dim = e.dim and c.code = e.code)
{% else %}
{{ every_row_replaced() }}
{% endif %}
{% endmacro %}

{#- post-hook of int_person_periods: built whole on DuckDB in several parts, its merged groups (person_id NULL)
    were merged within each part (person_period_groups' merged_in_parts): the rows of one group from several
    parts are summed into one, as one aggregate over every part would have made them. A few million rows at
    scale 30, where that aggregate grouped 218M. -#}
{% macro merge_person_period_parts() %}
{% if target.type == 'duckdb' and not person_counts_delta_given() and person_period_chunks('int_services') > 1 %}
create or replace temp table person_periods_merged_parts as
select
    cell, person_id, cast(sum(persons) as bigint) as persons, cast(sum(records) as bigint) as records,
    {{ person_period_profile() | join(', ') }}
from {{ this }}
where person_id is null
group by cell, person_id, {{ person_period_profile() | join(', ') }}
having count(*) > 1;
delete from {{ this }} as e
where e.person_id is null
    and exists (select 1 from person_periods_merged_parts as m where {{ person_period_key_matches('m', 'e') }});
insert into {{ this }} select * from person_periods_merged_parts;
drop table person_periods_merged_parts
{% else %}
select 1
{% endif %}
{% endmacro %}
