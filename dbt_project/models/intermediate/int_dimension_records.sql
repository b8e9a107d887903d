-- The records of the persons int_dimension_periods counts from their records: per service-based indicator
-- and period, the persons with several values of a breakdown dimension (or, for sex and age band, a
-- record without one), with their records' values as codes and which dimensions are several-valued.
-- A model of its own, not a CTE of int_dimension_periods: at scale 30 (23.2 M such person-periods, 56.8 M
-- records) the join and the four distinct (cell, value, person) counts in one query did not fit DuckDB's
-- default 1400MB, with the CTE materialised or inlined ("Out of Memory Error", docs/performance.md). As a
-- table each query holds one of them: the join here, the counts there.
--
-- Incremental on DuckDB (issue 17, macros/incremental_person_counts.sql): when int_person_periods was adjusted for
-- the touched persons only, their records are removed and added again as they are now; the others' rows depend
-- on their own services and cells only, which did not change.
{{ config(
    materialized=('incremental' if target.type == 'duckdb' else 'table'),
    incremental_strategy='append',
    pre_hook=["{{ mark_touched_person_records() }}"],
) }}
{% set delta = person_records_delta_given() %}
with flagged as (
    select
        cell,
        person_id,
        {{ several_values('sex') }} as sex_several,
        {{ several_values('age_band') }} as age_band_several,
        {{ several_values('country_of_service') }} as country_of_service_several,
        {{ several_values('destination_country') }} as destination_country_several
    -- the several-valued persons are the rows of int_person_periods with a person_id (the others are merged)
    from {{ ref('int_person_periods') }}
    where person_id is not null
    {% if delta %}and person_id in (select person_id from {{ person_count_helper('touched_ids') }}){% endif %}
),
several as (
    select * from flagged
    where sex_several or age_band_several or country_of_service_several or destination_country_several
)
select
    s.*,
    r.sex_code,
    r.age_band_code,
    r.country_of_service_code,
    r.destination_country_code
from {% if delta %}{{ touched_indicator_services(touched_services_now()) }}{% else %}{{ ref('int_indicator_services') }}{% endif %} as r
inner join several as s on s.cell = {{ hash_key('r.service_set', 'r.period') }} and s.person_id = r.person_id
-- a person with one winning service has one record per cell, never several values: their rows (half of
-- them at scale 10) need not be looked up
where coalesce(r.only_service_of_person, false) = false
