-- Per service-based indicator, period and profile (the sex, age band and case category of each person's
-- latest qualifying record in the period, NULL where that record has none): how many persons, and how many
-- records they have. int_person_periods counted, then decoded: its integer `cell` back to service set and
-- period (checked free of hash collisions) and given to each indicator of the set (int_service_sets), its
-- small codes back to the seeds' values. Persons are counted
-- from here (int_indicator_period_values: persons, records, shares; fct_indicator_breakdown: persons by sex
-- and by age band), so the persons (~73M per set and period at scale 10) are never written with strings.
{% set sexes, ages, categories = sexes(), age_bands(), case_categories() %}
with profiles as (
    select cell, sex_code, age_band_code, case_category_code, sum(persons) as persons, sum(records) as records
    from {{ ref('int_person_periods') }}
    group by cell, sex_code, age_band_code, case_category_code
),
cells as (
    {{ cells_free_of_collisions() }}
)
select
    c.indicator_code,
    c.period,
    {{ value_of('p.sex_code', sexes) }} as sex,
    {{ value_of('p.age_band_code', ages) }} as age_band,
    {{ value_of('p.case_category_code', categories) }} as case_category,
    cast(p.persons as bigint) as persons,
    cast(p.records as bigint) as records,
    p.cell
from profiles as p
inner join cells as c on c.cell = p.cell
