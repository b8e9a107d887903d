-- Per rejected row of the current files (all kinds), the fields that decide which indicators it would
-- have fed had it been valid (pipelines/reject_context.py), with the file's name. Columns that do not
-- apply to a kind are NULL. person_key is the same keyed hash valid rows carry; no personal-data value.
{% set cols = {
    'person_key': type_varchar(), 'service_type': type_varchar(), 'strategy_point': 'integer',
    'service_date': 'date', 'project_code': type_varchar(), 'country_of_service': type_varchar(),
    'destination_country': type_varchar(), 'year': 'integer', 'activity_type': type_varchar(),
    'strategy_points': type_varchar(), 'start_date': 'date', 'end_date': 'date'} %}
{% set present = {
    'beneficiaries': ['person_key', 'service_type', 'strategy_point', 'service_date', 'project_code',
                      'country_of_service', 'destination_country'],
    'expenditures': ['project_code', 'year'],
    'projects': ['project_code', 'activity_type', 'strategy_points', 'start_date', 'end_date']} %}
{% for kind in ['projects', 'expenditures', 'beneficiaries'] %}
select '{{ kind }}' as kind, m.file_name, r.row_number, r.context_kept, r.failed_columns,
    {%- for c, t in cols.items() %}
    {% if c in present[kind] %}cast(r.{{ c }} as {{ t }}){% else %}cast(null as {{ t }}){% endif %} as {{ c }}{% if not loop.last %},{% endif %}
    {%- endfor %}
from {{ source('lake', kind ~ '_reject_context') }} as r
inner join {{ source('lake', kind ~ '_files') }} as m
    on m.cache_key = r.cache_key and m.status = 'loaded'
{% if not loop.last %}union all{% endif %}
{% endfor %}
