-- Valid expenditure rows whose project is in no projects extract: held back (reason unknown_project),
-- listed here, and counted as soon as the project arrives. Every delivered version is listed.
with files as (
    select file_name, cache_key from {{ ref('stg_lake__manifest') }} where kind = 'expenditures' and status = 'loaded'
)
select 'expenditures' as kind, f.file_name, e.row_number, 'unknown_project' as reason, e.project_code, e.year
from {{ source('lake', 'expenditures') }} as e
inner join files as f on f.cache_key = e.cache_key
where not exists (select 1 from {{ ref('stg_lake__projects') }} as p where p.project_code = e.project_code)
