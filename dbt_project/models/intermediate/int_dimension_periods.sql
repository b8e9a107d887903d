-- Per service-based indicator, period, dimension and value: distinct persons and records.
-- Each record counts under its own values; a person counts once under every value they had.
-- A missing destination_country is not a value (no row). Two-level aggregation (person first, then
-- value) is much cheaper than count(distinct) over millions of groups.
{% set dims = ['sex', 'age_band', 'country_of_service', 'destination_country'] %}
with per_person as (
    {% for d in dims %}
    select indicator_code, period, '{{ d }}' as dimension, {{ d }} as dimension_value, person_id, count(*) as n
    from {{ ref('int_indicator_services') }}
    where {{ d }} is not null
    group by indicator_code, period, {{ d }}, person_id
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
)
select indicator_code, period, dimension, dimension_value, count(*) as persons, sum(n) as records
from per_person
group by indicator_code, period, dimension, dimension_value
