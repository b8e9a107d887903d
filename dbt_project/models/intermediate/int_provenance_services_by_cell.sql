-- Per (service set, period) cell and winning row's file (int_services.file_id): how many service-period rows of
-- that file the cell counts (`rows_counted`) and how many distinct persons among them (`units_counted`),
-- int_provenance_counted's counts of beneficiaries files before they are given to each indicator of the set.
-- A model of its own because it is the costly part (~93M service-period rows at scale 10) and it is exact to
-- maintain: both counts are sums over persons (a person is one unit of each (cell, file) they have a row of).
--
-- Incremental on DuckDB (issue 17, macros/incremental_person_counts.sql): when int_person_periods was adjusted for
-- the persons int_services recomputed, so is this: their counts as they were subtracted, as they are now added.
-- Built after the person-period models: at scale 10 the two heaviest models side by side (dbt runs two
-- threads) overflowed DuckDB's memory limit ("Out of Memory Error" in int_person_periods).
-- depends_on: {{ ref('int_dimension_periods') }}
{{ config(
    materialized=('incremental' if target.type == 'duckdb' else 'table'),
    incremental_strategy='append',
    pre_hook=["{{ mark_touched_provenance_cells() }}"],
) }}
{% if person_records_delta_given() %}
select cell, file_id, cast(sum(rows_counted) as bigint) as rows_counted, cast(sum(units_counted) as bigint) as units_counted
from {{ sibling(this.identifier ~ '__touched_changes') }}
group by cell, file_id
having sum(units_counted) > 0
{% else %}
{{ provenance_service_counts(ref('int_indicator_services')) }}
{% endif %}
