-- Per indicator, period and source file: the winning rows of that file the value counts, the distinct
-- persons (service indicators) or projects (project and expenditure indicators) among them, and the rows
-- of that file that are older versions of records the value counts (they lost to a later version,
-- extracts.md's re-delivery rule). Membership comes from the generic models: int_indicator_services
-- (services of each service set and period, given to the set's indicators) and int_indicator_projects
-- (projects of each indicator), with the period condition of int_indicator_period_values.
--
-- Services are counted by integer keys, per cell and file in int_provenance_services_by_cell (the costly part:
-- ~93M service-period rows at scale 10, kept between builds): each winning service's file as int_services' file_id (a hash of the file name, mapped back
-- as ben_files here; tests/assert_beneficiary_file_ids_unique.sql: no two names share one), and (service set, period) as int_person_periods' hashed `cell`, checked free
-- of collisions and given to the set's indicators by the same macro. Superseded rows are counted per service
-- and file in int_superseded_service_rows (kept between builds), and given here to the services delivered
-- more than once (int_services.versions_delivered).
with ben_files as (
    {{ beneficiary_file_ids() }}
),
cells as (
    {{ cells_free_of_collisions() }}
),
services_counted as (
    select c.indicator_code, c.period, f.file_name, v.rows_counted, v.units_counted
    from {{ ref('int_provenance_services_by_cell') }} as v
    inner join cells as c on c.cell = v.cell
    inner join ben_files as f on f.file_id = v.file_id
),
ben_losers as (
    select service_id, file_name, rows_superseded as n from {{ ref('int_superseded_service_rows') }}
),
services_superseded as (
    select m.indicator_code, v.period, v.file_name, v.rows_superseded
    from (
        select i.service_set, i.period, l.file_name, sum(l.n) as rows_superseded
        from {{ ref('int_indicator_services') }} as i
        inner join ben_losers as l on l.service_id = i.service_id
        where i.versions_delivered > 1
        group by i.service_set, i.period, l.file_name
    ) as v
    inner join {{ ref('int_service_sets') }} as m on m.service_set = v.service_set
),
prj_winners as (
    select project_code, file_name, row_number, versions_delivered from {{ ref('stg_lake__projects') }}
),
prj_losers as (
    select d.project_code, d.file_name, count(*) as n
    from {{ ref('stg_lake__projects_delivered') }} as d
    inner join prj_winners as w on w.project_code = d.project_code and w.versions_delivered > 1
    where not (d.file_name = w.file_name and d.row_number = w.row_number)
    group by d.project_code, d.file_name
),
projects_in_period as (
    select m.indicator_code, p.period, m.project_code
    from {{ ref('int_indicator_projects') }} as m
    cross join {{ ref('int_periods') }} as p
    where m.measure <> 'expenditure' and {{ project_in_period('m.measure', 'm.start_date', 'm.end_date', 'p') }}
),
projects_counted as (
    select x.indicator_code, x.period, w.file_name, count(*) as rows_counted, count(distinct x.project_code) as units_counted
    from projects_in_period as x
    inner join prj_winners as w on w.project_code = x.project_code
    group by x.indicator_code, x.period, w.file_name
),
projects_superseded as (
    select x.indicator_code, x.period, l.file_name, sum(l.n) as rows_superseded
    from projects_in_period as x
    inner join prj_losers as l on l.project_code = x.project_code
    group by x.indicator_code, x.period, l.file_name
),
exp_winners as (
    select project_code, year, file_name, row_number, versions_delivered from {{ ref('stg_lake__expenditures') }}
),
exp_losers as (
    select d.project_code, d.year, d.file_name, count(*) as n
    from {{ ref('stg_lake__expenditures_delivered') }} as d
    inner join exp_winners as w
        on w.project_code = d.project_code and w.year = d.year and w.versions_delivered > 1
    where not (d.file_name = w.file_name and d.row_number = w.row_number)
    group by d.project_code, d.year, d.file_name
),
expenditure_in_period as (
    select m.indicator_code, p.period, e.project_code, e.year, e.file_name
    from {{ ref('int_indicator_projects') }} as m
    inner join {{ ref('int_expenditures_counted') }} as e on e.project_code = m.project_code
    inner join {{ ref('int_periods') }} as p on e.year between p.period_start and p.period_end
    where m.measure = 'expenditure'
),
expenditure_counted as (
    select indicator_code, period, file_name, count(*) as rows_counted, count(distinct project_code) as units_counted
    from expenditure_in_period
    group by indicator_code, period, file_name
),
expenditure_superseded as (
    select x.indicator_code, x.period, l.file_name, sum(l.n) as rows_superseded
    from expenditure_in_period as x
    inner join exp_losers as l on l.project_code = x.project_code and l.year = x.year
    group by x.indicator_code, x.period, l.file_name
),
parts as (
    select 'beneficiaries' as kind, indicator_code, period, file_name, rows_counted, units_counted, 0 as rows_superseded from services_counted
    union all select 'beneficiaries', indicator_code, period, file_name, 0, 0, rows_superseded from services_superseded
    union all select 'projects', indicator_code, period, file_name, rows_counted, units_counted, 0 from projects_counted
    union all select 'projects', indicator_code, period, file_name, 0, 0, rows_superseded from projects_superseded
    union all select 'expenditures', indicator_code, period, file_name, rows_counted, units_counted, 0 from expenditure_counted
    union all select 'expenditures', indicator_code, period, file_name, 0, 0, rows_superseded from expenditure_superseded
)
select
    indicator_code,
    period,
    kind,
    file_name,
    cast(sum(rows_counted) as bigint) as rows_counted,
    cast(sum(units_counted) as bigint) as units_counted,
    cast(sum(rows_superseded) as bigint) as rows_superseded
from parts
group by indicator_code, period, kind, file_name
