-- Every entry the refresh saw under REVIEW_RAW_DIR: loaded, rejected, or ignored (not read, with the reason:
-- not *.csv, a sub-folder, a link out of the drop zone, a FIFO, a hidden file...). kind is NULL for an entry
-- of the drop zone itself that is not a kind's folder (e.g. a typo folder `beneficiary/`).
select kind, file_name, status, message, size_bytes, sha256, rows_read, rows_valid, rows_rejected
from {{ ref('stg_lake__manifest') }}
