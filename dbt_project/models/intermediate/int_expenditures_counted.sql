-- Winning expenditure rows whose project is known; rows of unknown projects are held back
-- (audit.held_rows) and count as soon as the project arrives.
select e.project_code, e.year, e.expenditure_usd, e.file_name, e.row_number
from {{ ref('stg_lake__expenditures') }} as e
where exists (select 1 from {{ ref('stg_lake__projects') }} as p where p.project_code = e.project_code)
