{{ config(meta={'dagster': {'ref': {'name': 'fct_indicator_values'}}}) }}
-- Every catalogue indicator has exactly one row for every year of the spine (zero-filled).
select c.indicator_code, p.period_start as year
from {{ ref('indicator_catalogue') }} as c
cross join {{ ref('int_periods') }} as p
left join {{ ref('fct_indicator_values') }} as v on v.indicator_code = c.indicator_code and v.year = p.period_start
where p.period_kind = 'year' and p.in_spine and v.indicator_code is null
