-- Valid expenditure rows whose project is in no projects extract: held back (reason unknown_project),
-- listed here, and counted as soon as the project arrives. Every delivered version is listed.
select 'expenditures' as kind, e.file_name, e.row_number, 'unknown_project' as reason, e.project_code, e.year
from {{ ref('stg_lake__expenditures_delivered') }} as e
where not exists (select 1 from {{ ref('stg_lake__projects') }} as p where p.project_code = e.project_code)
