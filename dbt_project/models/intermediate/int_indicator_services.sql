-- For every service-based indicator of the catalogue, the (winning, valid) services it counts, each
-- expanded to every period (year or window) containing its service date. Membership is three equi-joins
-- (by service type; all services; services of projects tagged with a point), not one OR-join.
{{ config(materialized='view') }}
with catalogue as (
    select indicator_code, service_type, reached_point
    from {{ ref('indicator_catalogue') }}
    where measure in ('persons', 'records', 'countries_of_service', 'destination_countries', 'person_share')
),
members as (
    select c.indicator_code, s.*
    from catalogue as c
    inner join {{ ref('int_services') }} as s on s.service_type = c.service_type
    where c.reached_point is null
    union all
    select c.indicator_code, s.*
    from catalogue as c
    cross join {{ ref('int_services') }} as s
    where c.reached_point is null and c.service_type is null
    union all
    select c.indicator_code, s.*
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
