-- One row per failed check of a rejected row (a row failing several checks has several entries).
-- Values of personal-data columns are never recorded (NULL).
select kind, file_name, row_number, column_name, check_name, {{ adapter.quote('value') }}
from {{ ref('stg_lake__rejected_rows') }}
