-- Every failed check of every rejected row in the current files, with the file's name.
{% for kind in ['projects', 'expenditures', 'beneficiaries'] %}
select '{{ kind }}' as kind, m.file_name, r.row_number, r.column_name, r.check_name, r.{{ adapter.quote('value') }}
from {{ source('lake', kind ~ '_rejects') }} as r
inner join {{ source('lake', kind ~ '_files') }} as m
    on m.cache_key = r.cache_key and m.status = 'loaded'
{% if not loop.last %}union all{% endif %}
{% endfor %}
