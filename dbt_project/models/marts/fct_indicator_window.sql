-- One row per indicator and configured review window: the window value by the indicator's window rule,
-- and the window's yearly values summarised (mean, first, last, change).
-- The yearly mean is a sum divided by the number of years, and the sum is exact whatever the order of the
-- years: of the exact totals (counts and amounts, `exact_value`), or for percentages of each year's value
-- as a decimal of 12 places (a float sum would depend on the order of addition: issue 12).
with windows as (
    select * from {{ ref('int_indicator_period_values') }} where period_kind = 'window'
),
years as (
    select * from {{ ref('int_indicator_period_values') }} where period_kind = 'year'
),
yearly as (
    select
        w.indicator_code,
        w.period,
        case when max(w.unit) = 'percent'
            then {{ money_to_double('sum(cast(y.value as decimal(38, 12)))') }} / nullif(count(y.value), 0)
            else {{ money_to_double('sum(y.exact_value)') }} / nullif(count(y.exact_value), 0)
        end as yearly_mean,
        max(case when y.period_start = w.period_start then y.value end) as first_year_value,
        max(case when y.period_start = w.period_end then y.value end) as last_year_value
    from windows as w
    inner join years as y
        on y.indicator_code = w.indicator_code and y.period_start between w.period_start and w.period_end
    group by w.indicator_code, w.period
)
select
    w.indicator_code,
    w.strategy_point,
    w.period_start as window_start,
    w.period_end as window_end,
    w.value,
    w.numerator,
    w.denominator,
    cast(y.yearly_mean as double) as yearly_mean,
    y.first_year_value,
    y.last_year_value,
    cast(case
        when y.first_year_value is not null and y.first_year_value <> 0
        then 100.0 * (y.last_year_value - y.first_year_value) / y.first_year_value
    end as double) as change_pct,
    w.unit,
    w.window_rule
from windows as w
left join yearly as y on y.indicator_code = w.indicator_code and y.period = w.period
