{{ config(meta={'dagster': {'ref': {'name': 'fct_indicator_window'}}}) }}
-- A window whose rule is `sum` equals the sum of its yearly values.
select w.indicator_code, w.window_start, w.window_end, w.value, sum(v.value) as sum_years
from {{ ref('fct_indicator_window') }} as w
inner join {{ ref('int_indicator_period_values') }} as v
    on v.indicator_code = w.indicator_code and v.period_kind = 'year'
   and v.period_start between w.window_start and w.window_end
where w.window_rule = 'sum'
group by w.indicator_code, w.window_start, w.window_end, w.value
having abs(w.value - sum(v.value)) > 1e-6 * greatest(1, abs(w.value))
