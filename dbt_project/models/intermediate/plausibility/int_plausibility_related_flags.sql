-- Flags of the related-indicator and provisional rules (plausibility_rules with family related or
-- provisional), on the marts.
--   share_bounds                 a percentage (year or review window) outside [0, 100]
--   share_shift                  a percentage moving more than threshold points from the year before;
--                                both years non-provisional with a denominator of at least min_count
--   point_persons_above_org      a point's person indicator above ORG.beneficiaries_served, same year
--   point_expenditure_above_org  a point's expenditure above ORG.expenditure_usd, same year
--   provisional_year             every provisional year of marts.dim_year
with rules as (
    select rule_id, threshold, min_count from {{ ref('plausibility_rules') }} where family in ('related', 'provisional')
),
years as (
    select year, is_provisional, provisional_reason from {{ ref('dim_year') }}
),
yearly as (
    select v.indicator_code, v.strategy_point, v.unit, v.year, cast(v.value as double) as value,
           cast(v.denominator as double) as denominator, y.is_provisional
    from {{ ref('fct_indicator_values') }} as v
    inner join years as y on y.year = v.year
),
shares as (
    select indicator_code, strategy_point, cast(year as {{ type_varchar() }}) as period, year as first_year,
           year as last_year, value
    from yearly where unit = 'percent'
    union all
    select indicator_code, strategy_point,
           cast(window_start as {{ type_varchar() }}) || '-' || cast(window_end as {{ type_varchar() }}),
           window_start, window_end, cast(value as double)
    from {{ ref('fct_indicator_window') }} where unit = 'percent'
),
share_steps as (
    select
        y.*,
        lag(value) over (partition by indicator_code order by year) as prev_value,
        lag(denominator) over (partition by indicator_code order by year) as prev_denominator,
        lag(is_provisional) over (partition by indicator_code order by year) as prev_provisional
    from yearly as y
    where unit = 'percent'
),
org as (
    select year,
           max(case when indicator_code = 'ORG.beneficiaries_served' then cast(value as double) end) as persons,
           max(case when indicator_code = 'ORG.expenditure_usd' then cast(value as double) end) as expenditure
    from yearly
    group by year
),
flags as (
    select r.rule_id, s.indicator_code, s.strategy_point, s.period, s.first_year, s.last_year,
           s.value as observed, 0.0 as expected_low, 100.0 as expected_high, cast(null as double) as reference_value,
           s.indicator_code || ' in ' || s.period || ': ' || {{ plausibility_number('s.value', 1) }}
               || '%, outside [0, 100].' as sentence
    from shares as s
    inner join rules as r on r.rule_id = 'share_bounds'
    where s.value < 0 or s.value > 100
    union all
    select r.rule_id, t.indicator_code, t.strategy_point, cast(t.year as {{ type_varchar() }}), t.year, t.year,
           t.value, t.prev_value - r.threshold, t.prev_value + r.threshold, t.prev_value,
           t.indicator_code || ' in ' || cast(t.year as {{ type_varchar() }}) || ': ' || {{ plausibility_number('t.value', 1) }}
               || '%, ' || {{ plausibility_number('abs(t.value - t.prev_value)', 1) }} || ' points from '
               || {{ plausibility_number('t.prev_value', 1) }} || '% the year before (flagged beyond '
               || {{ plausibility_number('r.threshold', 0) }} || ' points).'
    from share_steps as t
    inner join rules as r on r.rule_id = 'share_shift'
    where not t.is_provisional and t.prev_provisional = false
      and t.denominator >= r.min_count and t.prev_denominator >= r.min_count
      and abs(t.value - t.prev_value) > r.threshold
    union all
    select r.rule_id, y.indicator_code, y.strategy_point, cast(y.year as {{ type_varchar() }}), y.year, y.year,
           y.value, cast(null as double), o.persons, o.persons,
           y.indicator_code || ' in ' || cast(y.year as {{ type_varchar() }}) || ': ' || {{ plausibility_number('y.value') }}
               || ' persons, more than the ' || {{ plausibility_number('o.persons') }}
               || ' the organisation served (ORG.beneficiaries_served).'
    from yearly as y
    inner join org as o on o.year = y.year
    inner join rules as r on r.rule_id = 'point_persons_above_org'
    where y.unit = 'persons' and y.strategy_point is not null and y.value > o.persons
    union all
    select r.rule_id, y.indicator_code, y.strategy_point, cast(y.year as {{ type_varchar() }}), y.year, y.year,
           y.value, cast(null as double), o.expenditure, o.expenditure,
           y.indicator_code || ' in ' || cast(y.year as {{ type_varchar() }}) || ': USD ' || {{ plausibility_number('y.value') }}
               || ', more than the organisation''s USD ' || {{ plausibility_number('o.expenditure') }} || ' (ORG.expenditure_usd).'
    from yearly as y
    inner join org as o on o.year = y.year
    inner join rules as r on r.rule_id = 'point_expenditure_above_org'
    where y.unit = 'usd' and y.strategy_point is not null and y.indicator_code like '%.expenditure_usd'
      and y.value > o.expenditure
    union all
    select r.rule_id, cast(null as {{ type_varchar() }}), cast(null as integer), cast(y.year as {{ type_varchar() }}), y.year, y.year,
           cast(null as double), cast(null as double), cast(null as double), cast(null as double),
           'Year ' || cast(y.year as {{ type_varchar() }}) || ' is provisional: ' || y.provisional_reason
               || '; its figures may still change.'
    from years as y
    inner join rules as r on r.rule_id = 'provisional_year'
    where y.is_provisional
)
select
    rule_id, indicator_code, cast(strategy_point as integer) as strategy_point, period, first_year, last_year,
    cast(null as {{ type_varchar() }}) as dimension, cast(null as {{ type_varchar() }}) as dimension_value,
    cast(observed as double) as observed, cast(expected_low as double) as expected_low,
    cast(expected_high as double) as expected_high, cast(reference_value as double) as reference_value,
    sentence,
    case when rule_id = 'provisional_year' then 'all' else 'indicator' end as scope,
    cast(null as {{ type_varchar() }}) as service_type
from flags
