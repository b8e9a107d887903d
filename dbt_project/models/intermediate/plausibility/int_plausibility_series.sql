-- The series the plausibility rules of families outlier, spike and yoy judge: one row per indicator,
-- dimension, dimension value and year of the spine (marts.dim_year), zero-filled, with the year's
-- provisional mark. Dimensions:
--   total               every indicator of fct_indicator_values except percentages (organisation-wide and
--                       per-point series; dimension_value NULL)
--   country_of_service  person and record indicators by country of service (fct_indicator_breakdown)
--   project_country     project and money indicators by the project's country_iso3 (recomputed here from
--                       the same projects and expenditure rows as the indicators: int_indicator_projects,
--                       int_expenditures_counted)
-- A key (indicator, dimension, value) exists when it has a value in at least one year; the other years of
-- the spine read 0.
with years as (
    select year, is_provisional from {{ ref('dim_year') }}
),
catalogue as (
    select indicator_code, strategy_point, unit, measure from {{ ref('indicator_catalogue') }}
),
total as (
    select v.indicator_code, 'total' as dimension, cast(null as {{ type_varchar() }}) as dimension_value,
           v.year, cast(v.value as double) as value
    from {{ ref('fct_indicator_values') }} as v
    where v.unit <> 'percent'
),
by_country_of_service as (
    select b.indicator_code, 'country_of_service' as dimension, b.dimension_value,
           cast(b.period as integer) as year, cast(b.value as double) as value
    from {{ ref('fct_indicator_breakdown') }} as b
    where b.dimension = 'country_of_service' and length(b.period) = 4
),
projects as (
    select ip.indicator_code, ip.measure, ip.project_code, ip.start_date, ip.end_date,
           ip.budget_usd, p.country_iso3  -- exact DECIMAL: summed exactly below, then DOUBLE (macros/money.sql)
    from {{ ref('int_indicator_projects') }} as ip
    inner join {{ ref('stg_lake__projects') }} as p on p.project_code = ip.project_code
),
by_project_country as (
    select indicator_code, 'project_country' as dimension, country_iso3 as dimension_value,
           cast(extract(year from start_date) as integer) as year,
           case when measure = 'projects_started' then cast(count(*) as double)
                else {{ money_to_double('sum(budget_usd)') }} end as value
    from projects
    where measure in ('projects_started', 'budget_started')
    group by indicator_code, measure, country_iso3, cast(extract(year from start_date) as integer)
    union all
    select pr.indicator_code, 'project_country', pr.country_iso3, y.year, cast(count(*) as double)
    from projects as pr
    inner join years as y
        on pr.start_date <= make_date(y.year, 12, 31)
       and (pr.end_date is null or pr.end_date >= make_date(y.year, 1, 1))
    where pr.measure = 'projects_active'
    group by pr.indicator_code, pr.country_iso3, y.year
    union all
    select pr.indicator_code, 'project_country', pr.country_iso3, e.year, {{ money_to_double('sum(e.expenditure_usd)') }}
    from projects as pr
    inner join {{ ref('int_expenditures_counted') }} as e on e.project_code = pr.project_code
    where pr.measure = 'expenditure'
    group by pr.indicator_code, pr.country_iso3, e.year
),
points as (
    select * from total
    union all
    select * from by_country_of_service
    union all
    select * from by_project_country
),
keys as (
    select distinct indicator_code, dimension, dimension_value from points
)
select
    k.indicator_code,
    c.strategy_point,
    c.unit,
    k.dimension,
    k.dimension_value,
    y.year,
    y.is_provisional,
    coalesce(p.value, 0) as value
from keys as k
cross join years as y
inner join catalogue as c on c.indicator_code = k.indicator_code
left join points as p
    on p.indicator_code = k.indicator_code
   and p.dimension = k.dimension
   and coalesce(p.dimension_value, '') = coalesce(k.dimension_value, '')
   and p.year = y.year
