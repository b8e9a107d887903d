-- One row per year of the spine (int_periods' in_spine years): how far the extracts cover it.
-- A year is provisional when the latest extraction (the greatest extracted_at of any valid row of any
-- kind) falls before the year's last day: the year is after the latest delivery, or only partly covered
-- by it (the demo's 2010). The pack marks such years; the plausibility checks flag them.
with latest as (
    select max(extracted_at) as latest_extracted_at
    from (
        select extracted_at from {{ ref('stg_lake__beneficiaries') }}
        union all
        select extracted_at from {{ ref('stg_lake__projects') }}
        union all
        select extracted_at from {{ ref('stg_lake__expenditures') }}
    ) as x
),
spine as (
    select period_start as year from {{ ref('int_periods') }} where period_kind = 'year' and in_spine
),
last_service as (
    select cast(extract(year from service_date) as integer) as year, max(service_date) as last_service_date
    from {{ ref('stg_lake__beneficiaries') }}
    group by 1
)
select
    s.year,
    cast(l.latest_extracted_at as date) < make_date(s.year, 12, 31) as is_provisional,
    case
        when cast(l.latest_extracted_at as date) < make_date(s.year, 1, 1)
            then 'after the latest extraction (' || cast(cast(l.latest_extracted_at as date) as {{ type_varchar() }}) || ')'
        when cast(l.latest_extracted_at as date) < make_date(s.year, 12, 31)
            then 'partly covered: the latest extraction is of ' || cast(cast(l.latest_extracted_at as date) as {{ type_varchar() }})
    end as provisional_reason,
    l.latest_extracted_at,
    ls.last_service_date
from spine as s
cross join latest as l
left join last_service as ls on ls.year = s.year
