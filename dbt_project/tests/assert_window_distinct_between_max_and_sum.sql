{{ config(meta={'dagster': {'ref': {'name': 'fct_indicator_window'}}}) }}
-- A window's distinct count is at most the sum of its yearly values and at least the largest of them.
select w.indicator_code, w.window_start, w.window_end, w.value, sum(v.value) as sum_years, max(v.value) as max_year
from {{ ref('fct_indicator_window') }} as w
inner join {{ ref('int_indicator_period_values') }} as v
    on v.indicator_code = w.indicator_code and v.period_kind = 'year'
   and v.period_start between w.window_start and w.window_end
where w.window_rule = 'distinct'
group by w.indicator_code, w.window_start, w.window_end, w.value
having w.value > sum(v.value) or w.value < max(v.value)
