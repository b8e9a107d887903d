{#-
  The services of each set of services and period (models/intermediate/int_indicator_services.sql, which is
  this over all of int_services). A macro so that an incremental build can expand only some services the
  same way (macros/incremental_person_counts.sql: the services of touched persons, as they are now and as
  they were): `services` is a relation or a parenthesised query with int_services' columns, the other three
  the relations of int_service_sets, int_project_points and int_periods.
-#}
{% macro indicator_services(services, service_sets, project_points, periods) %}
with catalogue as (
    select distinct service_set, service_type, reached_point
    from {{ service_sets }}
),
members as (
    {{ catalogue_members('service_set', 'catalogue', services, project_points) }}
),
-- each year of each period, so that a service finds its periods by an equi-join on its year (a range join
-- on period_start/period_end cost ~37 s CPU over ~110M rows at scale 10)
period_years as (
    select period, period_kind, {{ integer_range_column('period_start', 'period_end', 'year') }}
    from {{ periods }}
)
select p.period, p.period_kind, m.*
from members as m
inner join period_years as p on p.year = m.service_year
{% endmacro %}

{#-
  catalogue_members(key, catalogue, services, project_points): each (`key`, service) pair of a catalogue of
  service-based measures, by three equi-joins: by service type; every service (no type, no reached point);
  the services of projects tagged with the reached point (int_project_points), of the measure's service type if
  it has one. `catalogue` names a relation with `key`, service_type and reached_point; `services` has
  int_services' service_type and project_code. The one definition of which services a measure counts, used
  per service set (indicator_services above) and per indicator (macros/provenance.sql
  service_indicator_members).
-#}
{% macro catalogue_members(key, catalogue, services, project_points) %}
select c.{{ key }}, s.*
from {{ catalogue }} as c
inner join {{ services }} as s on s.service_type = c.service_type
where c.reached_point is null
union all
select c.{{ key }}, s.*
from {{ catalogue }} as c
cross join {{ services }} as s
where c.reached_point is null and c.service_type is null
union all
select c.{{ key }}, s.*
from {{ catalogue }} as c
inner join {{ project_points }} as b on b.strategy_point = c.reached_point
inner join {{ services }} as s on s.project_code = b.project_code
where c.service_type is null or s.service_type = c.service_type
{% endmacro %}
