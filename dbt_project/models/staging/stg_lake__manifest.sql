-- The files of the current refresh, one row each (loaded, rejected or ignored), all kinds.
{% for kind in ['projects', 'expenditures', 'beneficiaries'] %}
select kind, file_name, sha256, cache_key, size_bytes, status, message, rows_read, rows_valid, rows_rejected, from_cache
from {{ source('lake', kind ~ '_files') }}
{% if not loop.last %}union all{% endif %}
{% endfor %}
