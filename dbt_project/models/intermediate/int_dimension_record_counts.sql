-- Per cell (service set and period), breakdown dimension (1 sex, 2 age band, 3 country of service, 4 destination
-- country: breakdown_dimensions()) and value code: the distinct persons and the records of the several-valued
-- persons' records (int_dimension_records), the part of int_dimension_periods counted from records. A person
-- counts once under every value they had.
--
-- Incremental on DuckDB (issue 17): both counts are sums over persons, and when int_dimension_records replaced
-- the touched persons' records (it kept them as they were: int_dimension_records__touched_removed), their
-- counts as they were are subtracted and as they are now added (macros/incremental_person_counts.sql,
-- mark_touched_record_counts); a value left with no person is dropped, as a full build never makes it.
{{ config(
    materialized=('incremental' if target.type == 'duckdb' else 'table'),
    incremental_strategy='append',
    pre_hook=["{{ mark_touched_record_counts() }}"],
) }}
{% if record_counts_delta_given() %}
select cell, dim, code, cast(sum(persons) as bigint) as persons, cast(sum(records) as bigint) as records
from {{ sibling(this.identifier ~ '__touched_changes') }}
group by cell, dim, code
having sum(persons) > 0
{% else %}
{{ dimension_record_counts(ref('int_dimension_records')) }}
{% endif %}
