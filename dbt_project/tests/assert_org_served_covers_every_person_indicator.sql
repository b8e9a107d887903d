{{ config(meta={'dagster': {'ref': {'name': 'int_indicator_period_values'}}}) }}
-- ORG.beneficiaries_served counts every person served, so no person indicator of the same period exceeds it.
with v as (select * from {{ ref('int_indicator_period_values') }})
select p.indicator_code, p.period, p.value, o.value as org_value
from v as p
inner join v as o on o.period = p.period and o.indicator_code = 'ORG.beneficiaries_served'
where p.unit = 'persons' and p.value > o.value
