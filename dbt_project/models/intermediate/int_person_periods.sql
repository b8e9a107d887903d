-- The persons of each set of services (int_service_sets: the indicators that count the same services share
-- it) and period, counted: each person once per (set, period) with how many records, and their attributes
-- from their latest qualifying record in the period (greatest `recency`: latest service_date, then
-- greatest service_id), empty or not: an attribute the latest record lacks is NULL. For
-- int_dimension_periods, also which codes of each breakdown dimension the person had in the period
-- (sex and age band: bit sets; countries: lowest and highest code).
--
-- One row per person who had several values of a breakdown dimension in the period (macros/several_values.sql:
-- `person_id` set, `persons` 1; int_dimension_records counts them from their records), and one row per group
-- of the other persons with the same cell and codes (`person_id` NULL, `persons` how many, `records` their
-- records): every reader counts persons and records by these codes only, and at scale 10 the 72.8M person
-- rows are 9.9M rows so (65.2M one-valued persons in 2.3M groups, 7.6M several-valued persons). Writing the
-- 72.8M rows and reading them back in three models cost more than the second aggregate: this model
-- 46.3 -> 38.5 s, its three readers 16.1 -> 10.6 s at scale 10, each alone (docs/performance.md).
--
-- Built for volume (scale 10: ~93M set-period rows into ~73M person groups within DuckDB's memory limit):
-- the rows of persons with one winning service are their groups already and are not aggregated (below);
-- the group key is an integer (`cell`, a hash of service set and period), each latest attribute is packed
-- beside its record's recency into one integer whose max is the latest record's, and dimension values are
-- small integer codes, coded once per service in int_services (macros/value_codes.sql: 1 = the first
-- value of the seed's list; NULL = no value).
-- String keys with max_by/min/max over strings took 5-10x longer. The rows stay coded: the strings
-- (indicator, period, sex, ...) are joined back in int_person_period_profiles, after counting, on a few
-- thousand rows.
--
-- Incremental on DuckDB (issue 17, macros/incremental_person_counts.sql): a build given the deliveries added and
-- removed since the last one adjusts the groups of the persons int_services recomputed (their groups as they
-- were subtracted, as they are now added) instead of counting every person again; the table is the same as a
-- full build's (tests/test_incremental.py).
{{ config(
    materialized=('incremental' if target.type == 'duckdb' else 'table'),
    incremental_strategy='append',
    pre_hook=["{{ mark_touched_person_periods() }}"],
    post_hook=["{{ merge_person_period_parts() }}", "{{ keep_person_counts_basis() }}"],
) }}{% set sexes, ages, categories = sexes(), age_bands(), case_categories() %}
{% for name, values in [('sexes', sexes), ('age_bands', ages), ('case_categories', categories)] if values | length > 7 %}
    {{ exceptions.raise_compiler_error('int_person_periods packs each code in 3 bits: the seed ' ~ name ~ ' has ' ~ (values | length) ~ ' values, at most 7 fit') }}
{% endfor %}
{% if person_counts_delta_given() %}
-- the touched groups' kept rows and changes (the pre-hook took the kept rows out of the table), summed per group
select
    cell,
    person_id,
    cast(sum(persons) as bigint) as persons,
    cast(sum(records) as bigint) as records,
    {{ person_period_profile() | join(', ') }}
from {{ person_count_helper('touched_changes') }}
group by cell, person_id, {{ person_period_profile() | join(', ') }}
having sum(persons) > 0
{% else %}
{{ person_period_groups(ref('int_indicator_services'), person_period_chunks('int_services'), merged_in_parts=(target.type == 'duckdb')) }}
{% endif %}
