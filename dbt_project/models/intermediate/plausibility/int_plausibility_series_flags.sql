-- Flags of the series rules (plausibility_rules with family outlier, spike or yoy) on
-- int_plausibility_series, each rule on the dimensions and units its catalogue row lists. A provisional year is
-- never judged nor used as a reference (it has its own flag, provisional_year).
--   outlier  modified z-score 0.6745 * (x - median) / MAD against the other non-provisional years with a
--            value (> 0); with MAD = 0 the mean absolute deviation stands in (x - median) / (1.253314 *
--            MeanAD) (Iglewicz and Hoaglin); when every reference year is equal, any other value is flagged.
--            Judged when there are at least min_years reference years and the value or the median reaches
--            min_count; a zero year is not judged (completeness rules judge missing reports).
--   spike    x >= threshold * both neighbours, or 0 < x <= both neighbours / threshold; judged when both
--            neighbours are non-provisional years of the spine of at least min_count.
--   yoy      |x / mean(three previous years) - 1| > threshold; judged when the three previous years are
--            non-provisional years of the spine and their mean reaches min_count.
with rules as (
    select rule_id, family, threshold, min_count, min_years, dimensions, units
    from {{ ref('plausibility_rules') }}
    where family in ('outlier', 'spike', 'yoy')
),
s as (
    select
        r.rule_id, r.family, r.threshold, r.min_count, r.min_years,
        x.indicator_code, x.strategy_point, x.unit, x.dimension, x.dimension_value,
        x.dimension || '|' || coalesce(x.dimension_value, '') as series_key,
        x.year, x.is_provisional, x.value
    from {{ ref('int_plausibility_series') }} as x
    inner join rules as r
        on instr(';' || r.dimensions || ';', ';' || x.dimension || ';') > 0
       and (r.units is null or instr(';' || r.units || ';', ';' || x.unit || ';') > 0)
),
ordered as (
    select
        s.*,
        lag(value) over (partition by rule_id, indicator_code, series_key order by year) as prev_value,
        lead(value) over (partition by rule_id, indicator_code, series_key order by year) as next_value,
        lag(is_provisional) over (partition by rule_id, indicator_code, series_key order by year) as prev_provisional,
        lead(is_provisional) over (partition by rule_id, indicator_code, series_key order by year) as next_provisional,
        avg(value) over (partition by rule_id, indicator_code, series_key order by year rows between 3 preceding and 1 preceding) as mean3,
        count(*) over (partition by rule_id, indicator_code, series_key order by year rows between 3 preceding and 1 preceding) as n3,
        max(case when is_provisional then 1 else 0 end) over (partition by rule_id, indicator_code, series_key order by year rows between 3 preceding and 1 preceding) as provisional3
    from s
    where family in ('spike', 'yoy')
),
ref_points as (
    select * from s where family = 'outlier' and not is_provisional and value > 0
),
pairs as (
    select a.rule_id, a.indicator_code, a.series_key, a.year, b.value as ref_value
    from ref_points as a
    inner join ref_points as b
        on b.rule_id = a.rule_id and b.indicator_code = a.indicator_code and b.series_key = a.series_key
       and b.year <> a.year
),
centre as (
    select rule_id, indicator_code, series_key, year, count(*) as n_ref, median(ref_value) as med
    from pairs
    group by rule_id, indicator_code, series_key, year
),
spread as (
    select c.rule_id, c.indicator_code, c.series_key, c.year, c.n_ref, c.med,
           median(abs(p.ref_value - c.med)) as mad, avg(abs(p.ref_value - c.med)) as mean_ad
    from centre as c
    inner join pairs as p
        on p.rule_id = c.rule_id and p.indicator_code = c.indicator_code and p.series_key = c.series_key
       and p.year = c.year
    group by c.rule_id, c.indicator_code, c.series_key, c.year, c.n_ref, c.med
),
outliers as (
    select
        a.*, d.n_ref, d.med,
        case when d.mad > 0 then d.mad / 0.6745 when d.mean_ad > 0 then 1.253314 * d.mean_ad end as scale
    from ref_points as a
    inner join spread as d
        on d.rule_id = a.rule_id and d.indicator_code = a.indicator_code and d.series_key = a.series_key
       and d.year = a.year
    where d.n_ref >= a.min_years and greatest(a.value, d.med) >= a.min_count
),
outlier_flags as (
    select
        o.*,
        (o.value - o.med) / o.scale as z
    from outliers as o
    where (o.scale is null and o.value <> o.med)
       or abs((o.value - o.med) / o.scale) > o.threshold
),
spikes as (
    select * from ordered
    where family = 'spike' and not is_provisional
      and prev_provisional = false and next_provisional = false
      and least(prev_value, next_value) >= min_count
      and (value >= threshold * greatest(prev_value, next_value)
           or (value > 0 and value * threshold <= least(prev_value, next_value)))
),
yoys as (
    select * from ordered
    where family = 'yoy' and not is_provisional and n3 = 3 and provisional3 = 0
      and mean3 >= min_count and abs(value / nullif(mean3, 0) - 1) > threshold
),
flags as (
    select
        rule_id, indicator_code, strategy_point, unit, dimension, dimension_value, year, value,
        case when scale is null then med else med - threshold * scale end as expected_low,
        case when scale is null then med else med + threshold * scale end as expected_high,
        med as reference_value,
        'against a median of ' || {{ plausibility_number('med') }} || ' in the other ' || cast(n_ref as {{ type_varchar() }})
            || ' years with a value ('
            || case when scale is null then 'all equal)'
                    else 'modified z-score ' || {{ plausibility_number('z', 1) }} || ', beyond +/-' || {{ plausibility_number('threshold', 1) }} || ')' end
            as detail
    from outlier_flags
    union all
    select
        rule_id, indicator_code, strategy_point, unit, dimension, dimension_value, year, value,
        least(prev_value, next_value) / threshold, threshold * greatest(prev_value, next_value),
        (prev_value + next_value) / 2,
        'against ' || {{ plausibility_number('prev_value') }} || ' the year before and ' || {{ plausibility_number('next_value') }}
            || ' the year after ('
            || case when value > prev_value then 'at least ' || {{ plausibility_number('threshold') }} || ' times both'
                    else 'at most 1/' || {{ plausibility_number('threshold') }} || ' of both' end || ')'
    from spikes
    union all
    select
        rule_id, indicator_code, strategy_point, unit, dimension, dimension_value, year, value,
        mean3 * (1 - threshold), mean3 * (1 + threshold), mean3,
        case when value >= mean3 then '+' else '' end || {{ plausibility_number('100 * (value / mean3 - 1)', 0) }}
            || '% against the mean of the three previous years (' || {{ plausibility_number('mean3') }}
            || '; flagged beyond +/-' || {{ plausibility_number('100 * threshold', 0) }} || '%)'
    from yoys
)
select
    rule_id,
    indicator_code,
    strategy_point,
    cast(year as {{ type_varchar() }}) as period,
    year as first_year,
    year as last_year,
    case when dimension = 'total' then cast(null as {{ type_varchar() }}) else dimension end as dimension,
    dimension_value,
    value as observed,
    expected_low,
    expected_high,
    reference_value,
    indicator_code || ' in ' || cast(year as {{ type_varchar() }})
        || case dimension when 'country_of_service' then ' in country of service ' || dimension_value
                          when 'project_country' then ' for projects in ' || dimension_value else '' end
        || ': ' || {{ plausibility_number('value') }} || ' ' || unit || ', ' || detail || '.' as sentence,
    'indicator' as scope,
    cast(null as {{ type_varchar() }}) as service_type
from flags
