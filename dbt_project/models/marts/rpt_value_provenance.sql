-- Where every value comes from: per value of fct_indicator_values (period_kind 'year') and
-- fct_indicator_window (period_kind 'window'), one row per source file that contributed
-- (contribution 'counted': rows counted, persons or projects among them, rows of that file that lost to a
-- later version), plus the rows that would have fed it: 'rejected' (failed checks, by file and the row's
-- failed checks) and 'held' (expenditures of unknown projects). A breakdown value
-- (fct_indicator_breakdown) has the provenance of its indicator and period: join on
-- (indicator_code, period).
with would as (
    select * from {{ ref('int_provenance_would_count') }}
),
parts as (
    select indicator_code, period, 'counted' as contribution, kind, file_name,
           cast(null as {{ type_varchar() }}) as check_name, rows_counted as row_count, units_counted as unit_count,
           rows_superseded
    from {{ ref('int_provenance_counted') }}
    union all
    select indicator_code, period, contribution, kind, file_name, check_name,
           rows_would_count, units_would_count, cast(null as bigint)
    from would
)
select
    v.indicator_code,
    v.strategy_point,
    v.period,
    v.period_kind,
    v.period_start,
    v.period_end,
    cast(v.value as double) as value,  -- DOUBLE whatever the engine type of the value (the contract says so)
    v.unit,
    x.contribution,
    x.kind,
    x.file_name,
    f.sha256,
    x.check_name,
    cast(x.row_count as bigint) as row_count,
    cast(x.unit_count as bigint) as unit_count,
    case when x.kind = 'beneficiaries' then 'persons' else 'projects' end as unit_counted,
    cast(x.rows_superseded as bigint) as rows_superseded
from {{ ref('int_indicator_period_values') }} as v
inner join parts as x on x.indicator_code = v.indicator_code and x.period = v.period
left join {{ ref('source_files') }} as f on f.kind = x.kind and f.file_name = x.file_name
where v.in_spine or v.period_kind = 'window'
