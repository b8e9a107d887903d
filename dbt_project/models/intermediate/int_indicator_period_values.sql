-- Every catalogue indicator for every period (years and windows), zero-filled: the one place where
-- indicator values are computed. Over a window the same definitions apply to the whole window, which
-- gives each indicator's window rule: sums add up, distinct counts count each project/person/country
-- once, shares are recomputed from each person's latest record in the window.
with catalogue as (
    select * from {{ ref('indicator_catalogue') }}
),
periods as (
    select * from {{ ref('int_periods') }}
),
project_values as (
    select
        m.indicator_code,
        p.period,
        case max(m.measure)
            when 'projects_active' then count(distinct case
                when extract(year from m.start_date) <= p.period_end
                 and (m.end_date is null or extract(year from m.end_date) >= p.period_start)
                then m.project_code end)
            when 'projects_started' then count(distinct case
                when extract(year from m.start_date) between p.period_start and p.period_end
                then m.project_code end)
            when 'budget_started' then sum(case
                when extract(year from m.start_date) between p.period_start and p.period_end
                then m.budget_usd end)
        end as raw_value,
        cast(null as double) as numerator,
        cast(null as double) as denominator
    from {{ ref('int_indicator_projects') }} as m
    cross join periods as p
    where m.measure <> 'expenditure'
    group by m.indicator_code, p.period
),
expenditure_values as (
    select
        m.indicator_code,
        p.period,
        sum(e.expenditure_usd) as raw_value,
        cast(null as double) as numerator,
        cast(null as double) as denominator
    from {{ ref('int_indicator_projects') }} as m
    inner join {{ ref('int_expenditures_counted') }} as e on e.project_code = m.project_code
    inner join periods as p on e.year between p.period_start and p.period_end
    where m.measure = 'expenditure'
    group by m.indicator_code, p.period
),
person_values as (
    select
        pp.indicator_code,
        pp.period,
        case max(c.measure)
            when 'persons' then count(*)
            when 'records' then sum(pp.n_records)
        end as raw_value,
        sum(case
            when c.measure = 'person_share' and (
                (c.share_attribute = 'sex' and pp.sex = c.share_value)
                or (c.share_attribute = 'case_category' and pp.case_category = c.share_value)
                or (c.share_attribute = 'age_band' and pp.age_band = c.share_value)
            ) then 1 else 0 end) as numerator,
        count(*) as denominator
    from {{ ref('int_person_periods') }} as pp
    inner join catalogue as c on c.indicator_code = pp.indicator_code
    where c.measure in ('persons', 'records', 'person_share')
    group by pp.indicator_code, pp.period
),
country_values as (
    select
        d.indicator_code,
        d.period,
        count(*) as raw_value,
        cast(null as double) as numerator,
        cast(null as double) as denominator
    from {{ ref('int_dimension_periods') }} as d
    inner join catalogue as c on c.indicator_code = d.indicator_code
    where (c.measure = 'countries_of_service' and d.dimension = 'country_of_service')
       or (c.measure = 'destination_countries' and d.dimension = 'destination_country')
    group by d.indicator_code, d.period
),
computed as (
    select * from project_values
    union all select * from expenditure_values
    union all select * from person_values
    union all select * from country_values
)
select
    c.indicator_code,
    c.strategy_point,
    c.unit,
    c.window_rule,
    p.period,
    p.period_kind,
    p.period_start,
    p.period_end,
    p.in_spine,
    cast(case
        when c.unit = 'percent' then
            case when coalesce(v.denominator, 0) > 0 then 100.0 * v.numerator / v.denominator end
        else coalesce(v.raw_value, 0)
    end as double) as value,
    cast(case when c.unit = 'percent' then coalesce(v.numerator, 0) end as double) as numerator,
    cast(case when c.unit = 'percent' then coalesce(v.denominator, 0) end as double) as denominator
from catalogue as c
cross join periods as p
left join computed as v on v.indicator_code = c.indicator_code and v.period = p.period
