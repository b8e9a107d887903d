-- Every catalogue indicator for every period (years and windows), zero-filled: the one place where
-- indicator values are computed. Over a window the same definitions apply to the whole window, which
-- gives each indicator's window rule: sums add up, distinct counts count each project/person/country
-- once, shares are recomputed from each person's latest record in the window.
-- Totals (counts and sums of amounts) are exact, {{ money_total_type() }} (`exact_value`; macros/money.sql):
-- `value` is their nearest DOUBLE, so it does not depend on the order in which rows are added up.
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
            when 'projects_active' then cast(count(distinct case
                when extract(year from m.start_date) <= p.period_end
                 and (m.end_date is null or extract(year from m.end_date) >= p.period_start)
                then m.project_code end) as {{ money_total_type() }})
            when 'projects_started' then cast(count(distinct case
                when extract(year from m.start_date) between p.period_start and p.period_end
                then m.project_code end) as {{ money_total_type() }})
            when 'budget_started' then cast(sum(case
                when extract(year from m.start_date) between p.period_start and p.period_end
                then m.budget_usd end) as {{ money_total_type() }})
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
        cast(sum(e.expenditure_usd) as {{ money_total_type() }}) as raw_value,
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
        cast(case max(c.measure)
            when 'persons' then sum(pp.persons)
            when 'records' then sum(pp.records)
        end as {{ money_total_type() }}) as raw_value,
        sum(case
            when c.measure = 'person_share' and (
                (c.share_attribute = 'sex' and pp.sex = c.share_value)
                or (c.share_attribute = 'case_category' and pp.case_category = c.share_value)
                or (c.share_attribute = 'age_band' and pp.age_band = c.share_value)
            ) then pp.persons else 0 end) as numerator,
        sum(pp.persons) as denominator
    from {{ ref('int_person_period_profiles') }} as pp
    inner join catalogue as c on c.indicator_code = pp.indicator_code
    where c.measure in ('persons', 'records', 'person_share')
    group by pp.indicator_code, pp.period
),
country_values as (
    select
        d.indicator_code,
        d.period,
        cast(count(*) as {{ money_total_type() }}) as raw_value,
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
    case
        when c.unit = 'percent' then
            cast(case when coalesce(v.denominator, 0) > 0 then 100.0 * v.numerator / v.denominator end as double)
        else {{ money_to_double('coalesce(v.raw_value, cast(0 as ' ~ money_total_type() ~ '))') }}
    end as value,
    case when c.unit <> 'percent' then coalesce(v.raw_value, cast(0 as {{ money_total_type() }})) end as exact_value,
    cast(case when c.unit = 'percent' then coalesce(v.numerator, 0) end as double) as numerator,
    cast(case when c.unit = 'percent' then coalesce(v.denominator, 0) end as double) as denominator
from catalogue as c
cross join periods as p
left join computed as v on v.indicator_code = c.indicator_code and v.period = p.period
