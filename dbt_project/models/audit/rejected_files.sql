-- Files that could not be read as the contract says; none of their rows count.
select kind, file_name, message
from {{ ref('stg_lake__manifest') }}
where status = 'rejected'
