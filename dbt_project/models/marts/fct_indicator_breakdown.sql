-- Person- and record-based service indicators broken down by sex, age_band, country_of_service and
-- destination_country, for each year and each review window (period = '2009' or '2007-2009').
--  * records: each record under its own values;
--  * persons by sex / age_band: each person once, under their latest qualifying record in the period
--    (the parts add up to the total);
--  * persons by country_of_service / destination_country: once under every value they had (the parts
--    may add up to more than the total).
with catalogue as (
    select * from {{ ref('indicator_catalogue') }} where has_breakdown and measure in ('persons', 'records')
),
periods as (
    select period from {{ ref('int_periods') }} where in_spine or period_kind = 'window'
),
person_latest as (
    {% for d in ['sex', 'age_band'] %}
    select pp.indicator_code, pp.period, '{{ d }}' as dimension, pp.{{ d }} as dimension_value, sum(pp.persons) as value
    from {{ ref('int_person_period_profiles') }} as pp
    inner join catalogue as c on c.indicator_code = pp.indicator_code and c.measure = 'persons'
    group by pp.indicator_code, pp.period, pp.{{ d }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),
by_value as (
    select
        d.indicator_code, d.period, d.dimension, d.dimension_value,
        case when c.measure = 'records' then d.records else d.persons end as value
    from {{ ref('int_dimension_periods') }} as d
    inner join catalogue as c on c.indicator_code = d.indicator_code
    where c.measure = 'records' or d.dimension in ('country_of_service', 'destination_country')
),
all_cells as (
    select * from person_latest
    union all
    select * from by_value
)
select
    a.indicator_code,
    c.strategy_point,
    a.period,
    a.dimension,
    a.dimension_value,
    cast(a.value as double) as value,
    cast(null as double) as numerator,
    cast(null as double) as denominator,
    c.unit
from all_cells as a
inner join catalogue as c on c.indicator_code = a.indicator_code
where a.period in (select period from periods)
