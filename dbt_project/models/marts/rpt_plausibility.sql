-- One row per plausibility flag (issue 14): the rules of reference.plausibility_rules evaluated by the
-- int_plausibility_*_flags models, with the published figures of rpt_reconciliation each flag touches and
-- its acknowledgement (stg_plausibility_acknowledgements).
--
-- A flag touches a published figure when their years overlap (a window figure: any year of the window),
-- the figure is one the flag bears on, and they do not name different values of the same dimension:
--   scope 'indicator'  the figure's indicator is the flag's (a flag by country touches the total too)
--   scope 'services'   the figure's indicator counts services (persons, records, countries, shares) of the
--                      flag's service type, or of any type when either has none (point reach, ORG)
--   scope 'all'        every figure (a provisional year)
with flags as (
    select * from {{ ref('int_plausibility_series_flags') }}
    union all
    select * from {{ ref('int_plausibility_office_flags') }}
    union all
    select * from {{ ref('int_plausibility_duplicate_flags') }}
    union all
    select * from {{ ref('int_plausibility_related_flags') }}
),
keyed as (
    select
        f.*,
        f.rule_id || '|' || coalesce(f.indicator_code, '') || '|' || coalesce(f.period, '') || '|'
            || coalesce(f.dimension, '') || '|' || coalesce(f.dimension_value, '') as flag_key,
        r.importance,
        r.family
    from flags as f
    inner join {{ ref('plausibility_rules') }} as r on r.rule_id = f.rule_id
),
figures as (
    select
        p.indicator_code,
        p.period,
        p.dimension,
        p.dimension_value,
        cast(substr(p.period, 1, 4) as integer) as period_start,
        cast(case when length(p.period) = 9 then substr(p.period, 6, 4) else substr(p.period, 1, 4) end as integer) as period_end,
        c.measure,
        c.service_type,
        p.indicator_code || ' ' || p.period
            || coalesce(' ' || p.dimension || '=' || p.dimension_value, '') as label
    from {{ ref('rpt_reconciliation') }} as p
    inner join {{ ref('indicator_catalogue') }} as c on c.indicator_code = p.indicator_code
),
touched as (
    select k.flag_key, {{ plausibility_sorted_list('g.label', '; ') }} as published_figures
    from keyed as k
    inner join figures as g
        on k.first_year <= g.period_end and k.last_year >= g.period_start
       and (
            k.scope = 'all'
            or (k.scope = 'indicator' and g.indicator_code = k.indicator_code)
            or (k.scope = 'services'
                and g.measure in ('persons', 'records', 'countries_of_service', 'destination_countries', 'person_share')
                and (k.service_type is null or g.service_type is null or g.service_type = k.service_type))
       )
       and not (k.dimension is not null and g.dimension is not null and g.dimension = k.dimension
                and g.dimension_value <> k.dimension_value)
    group by k.flag_key
)
select
    k.flag_key,
    k.rule_id,
    k.family,
    k.importance,
    k.indicator_code,
    k.strategy_point,
    k.period,
    k.first_year,
    k.last_year,
    k.dimension,
    k.dimension_value,
    k.observed,
    k.expected_low,
    k.expected_high,
    k.reference_value,
    k.sentence,
    k.service_type,
    t.published_figures,
    t.published_figures is not null as touches_published,
    a.flag_key is not null as acknowledged,
    a.acknowledged_by,
    a.acknowledged_at,
    a.reason as acknowledgement_reason
from keyed as k
left join touched as t on t.flag_key = k.flag_key
left join {{ ref('stg_plausibility_acknowledgements') }} as a on a.flag_key = k.flag_key
