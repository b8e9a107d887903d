-- For every project-based indicator of the catalogue, the projects it counts: tagged with project_point
-- (any project when NULL: organisation-wide figures count each project once) and of activity_type.
select
    c.indicator_code,
    c.measure,
    p.project_code,
    p.start_date,
    p.end_date,
    p.budget_usd
from {{ ref('indicator_catalogue') }} as c
inner join {{ ref('stg_lake__projects') }} as p
    on (c.activity_type is null or p.activity_type = c.activity_type)
where c.measure in ('projects_active', 'projects_started', 'budget_started', 'expenditure')
  and (
      c.project_point is null
      or exists (
          select 1 from {{ ref('int_project_points') }} as b
          where b.project_code = p.project_code and b.strategy_point = c.project_point
      )
  )
