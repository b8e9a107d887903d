-- For every service-based indicator of the catalogue, the (winning, valid) services it counts, each
-- expanded to every period (year or window) containing its service_date.
{{ config(materialized='view') }}
with members as (
    select
        c.indicator_code,
        s.service_id,
        s.person_key,
        s.service_date,
        s.sex,
        s.age_band,
        s.country_of_service,
        s.destination_country,
        s.case_category,
        cast(extract(year from s.service_date) as integer) as service_year
    from {{ ref('indicator_catalogue') }} as c
    inner join {{ ref('stg_lake__beneficiaries') }} as s
        on (c.service_type is null or s.service_type = c.service_type)
    where c.measure in ('persons', 'records', 'countries_of_service', 'destination_countries', 'person_share')
      and (
          c.reached_point is null
          or exists (
              select 1 from {{ ref('int_project_points') }} as b
              where b.project_code = s.project_code and b.strategy_point = c.reached_point
          )
      )
)
select p.period, p.period_kind, m.*
from members as m
inner join {{ ref('int_periods') }} as p
    on m.service_year between p.period_start and p.period_end
