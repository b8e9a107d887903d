{{ config(meta={'dagster': {'ref': {'name': 'fct_indicator_breakdown'}}}) }}
-- Persons by sex or by age band count each person once (latest record), so the parts add up to the total.
with totals as (
    select indicator_code, period, value from {{ ref('int_indicator_period_values') }} where unit = 'persons'
),
parts as (
    select indicator_code, period, dimension, sum(value) as parts
    from {{ ref('fct_indicator_breakdown') }}
    where unit = 'persons' and dimension in ('sex', 'age_band')
    group by indicator_code, period, dimension
)
select p.*, t.value
from parts as p
inner join totals as t using (indicator_code, period)
where p.parts <> t.value
