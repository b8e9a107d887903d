-- For every set of services the catalogue's service-based indicators count (int_service_sets: indicators
-- with the same service_type and reached_point share one), the (winning, valid) services in it, each
-- expanded to every period (year or window) containing its service date. Membership is three equi-joins
-- (by service type; all services; services of projects tagged with a point), not one OR-join.
{{ config(materialized='view') }}
with catalogue as (
    select distinct service_set, service_type, reached_point
    from {{ ref('int_service_sets') }}
),
members as (
    select c.service_set, s.*
    from catalogue as c
    inner join {{ ref('int_services') }} as s on s.service_type = c.service_type
    where c.reached_point is null
    union all
    select c.service_set, s.*
    from catalogue as c
    cross join {{ ref('int_services') }} as s
    where c.reached_point is null and c.service_type is null
    union all
    select c.service_set, s.*
    from catalogue as c
    inner join {{ ref('int_project_points') }} as b on b.strategy_point = c.reached_point
    inner join {{ ref('int_services') }} as s on s.project_code = b.project_code
    where c.service_type is null or s.service_type = c.service_type
),
-- each year of each period, so that a service finds its periods by an equi-join on its year (a range join
-- on period_start/period_end cost ~37 s CPU over ~110M rows at scale 10)
period_years as (
    select period, period_kind, {{ integer_range_column('period_start', 'period_end', 'year') }}
    from {{ ref('int_periods') }}
)
select p.period, p.period_kind, m.*
from members as m
inner join period_years as p on p.year = m.service_year
