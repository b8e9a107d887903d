-- Every file the refresh saw under REVIEW_RAW_DIR: loaded, rejected, or ignored (not *.csv).
select kind, file_name, status, message, size_bytes, sha256, rows_read, rows_valid, rows_rejected
from {{ ref('stg_lake__manifest') }}
