-- Per indicator, period, source file and failed checks: the rows that would have fed the value had they
-- been valid (rejected rows, from their kept context: audit.rejected_row_context) or had their project
-- been known (held expenditure rows, winning versions). A rejected row is attributed by the fields it
-- kept: a row whose service_date (year, start_date) failed feeds no period; one whose service_type failed
-- feeds only the indicators that do not select by service type. persons: distinct keyed hashes
-- (a row without beneficiary_id counts as a row, not a person); projects: distinct project codes.
with checks as (
    select kind, file_name, row_number,
           {{ sorted_list_agg("coalesce(column_name, '(row)') || ': ' || check_name") }} as check_name
    from {{ ref('stg_lake__rejected_rows') }}
    group by kind, file_name, row_number
),
context as (
    select x.*, c.check_name
    from {{ ref('stg_lake__reject_context') }} as x
    inner join checks as c on c.kind = x.kind and c.file_name = x.file_name and c.row_number = x.row_number
    where x.context_kept
),
rejected_services as (
    select file_name, row_number, check_name, person_key, service_type, project_code,
           cast(extract(year from service_date) as integer) as service_year
    from context
    where kind = 'beneficiaries' and service_date is not null
),
service_members as (
    {{ service_indicator_members('rejected_services') }}
),
period_years as (
    select period, {{ integer_range_column('period_start', 'period_end', 'year') }}
    from {{ ref('int_periods') }}
),
rejected_service_values as (
    select m.indicator_code, p.period, 'beneficiaries' as kind, m.file_name, m.check_name,
           count(*) as rows_would_count, count(distinct m.person_key) as units_would_count
    from service_members as m
    inner join period_years as p on p.year = m.service_year
    group by m.indicator_code, p.period, m.file_name, m.check_name
),
rejected_expenditure_values as (
    select m.indicator_code, p.period, 'expenditures' as kind, x.file_name, x.check_name,
           count(*) as rows_would_count, count(distinct x.project_code) as units_would_count
    from context as x
    inner join {{ ref('int_indicator_projects') }} as m on m.project_code = x.project_code and m.measure = 'expenditure'
    inner join {{ ref('int_periods') }} as p on x.year between p.period_start and p.period_end
    where x.kind = 'expenditures' and x.year is not null
    group by m.indicator_code, p.period, x.file_name, x.check_name
),
rejected_project_values as (
    select c.indicator_code, p.period, 'projects' as kind, x.file_name, x.check_name,
           count(*) as rows_would_count, count(distinct x.project_code) as units_would_count
    from context as x
    inner join {{ ref('indicator_catalogue') }} as c
        on c.measure in ('projects_active', 'projects_started', 'budget_started')
       and (c.activity_type is null or x.activity_type = c.activity_type)
       and (c.project_point is null
            or (';' || x.strategy_points || ';') like ('%;' || cast(c.project_point as {{ type_varchar() }}) || ';%'))
    cross join {{ ref('int_periods') }} as p
    where x.kind = 'projects' and x.start_date is not null
      and {{ project_in_period('c.measure', 'x.start_date', 'x.end_date', 'p') }}
    group by c.indicator_code, p.period, x.file_name, x.check_name
),
held_values as (
    select c.indicator_code, p.period, 'expenditures' as kind, e.file_name, 'unknown_project' as check_name,
           count(*) as rows_would_count, count(distinct e.project_code) as units_would_count
    from {{ ref('stg_lake__expenditures') }} as e
    inner join {{ ref('indicator_catalogue') }} as c
        on c.measure = 'expenditure' and c.project_point is null and c.activity_type is null
    inner join {{ ref('int_periods') }} as p on e.year between p.period_start and p.period_end
    where not exists (select 1 from {{ ref('stg_lake__projects') }} as k where k.project_code = e.project_code)
    group by c.indicator_code, p.period, e.file_name
)
select 'rejected' as contribution, * from rejected_service_values
union all select 'rejected', * from rejected_expenditure_values
union all select 'rejected', * from rejected_project_values
union all select 'held', * from held_values
