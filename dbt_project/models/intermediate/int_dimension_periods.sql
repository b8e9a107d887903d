-- Per service-based indicator, period, dimension and value: distinct persons and records.
-- Each record counts under its own values; a person counts once under every value they had.
-- A missing destination_country is not a value (no row).
{% set dims = ['sex', 'age_band', 'country_of_service', 'destination_country'] %}
{% for d in dims %}
select
    indicator_code,
    period,
    '{{ d }}' as dimension,
    {{ d }} as dimension_value,
    count(distinct person_key) as persons,
    count(*) as records
from {{ ref('int_indicator_services') }}
where {{ d }} is not null
group by indicator_code, period, {{ d }}
{% if not loop.last %}union all{% endif %}
{% endfor %}
