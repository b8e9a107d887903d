-- The periods every indicator is computed for: each calendar year from the earliest to the latest year in
-- which any valid service, counted expenditure or project start occurs (`in_spine`), each year of a
-- configured review window (needed for the window's first/last/mean), and each window itself.
with activity_years as (
    select extract(year from service_date) as year from {{ ref('stg_lake__beneficiaries') }}
    union all
    select year from {{ ref('int_expenditures_counted') }}
    union all
    select extract(year from start_date) as year from {{ ref('stg_lake__projects') }}
),
bounds as (
    select cast(min(year) as integer) as first_year, cast(max(year) as integer) as last_year from activity_years
),
spine as (
    select s.year
    from bounds
    cross join ({{ year_series('(select first_year from bounds)', '(select last_year from bounds)') }}) as s
    where bounds.first_year is not null
),
windows as ({{ review_windows_rows() }}),
window_years as (
    select distinct s.year
    from windows
    cross join ({{ year_series('(select min(window_start) from windows)', '(select max(window_end) from windows)') }}) as s
    where s.year between windows.window_start and windows.window_end
),
years as (
    select year from spine
    union
    select year from window_years
)
select
    cast(y.year as {{ type_varchar() }}) as period,
    'year' as period_kind,
    y.year as period_start,
    y.year as period_end,
    y.year in (select year from spine) as in_spine
from years as y
union all
select
    cast(window_start as {{ type_varchar() }}) || '-' || cast(window_end as {{ type_varchar() }}) as period,
    'window' as period_kind,
    window_start as period_start,
    window_end as period_end,
    false as in_spine
from windows
