-- Per service-based indicator, period, dimension and value: distinct persons and records.
-- Each record counts under its own values; a person counts once under every value they had.
-- A missing destination_country is not a value (no row).
-- Most persons have one value of a dimension in a period: they are counted from int_person_periods
-- (the codes each person had). Only the persons with several values of a dimension in a period
-- (about a tenth) are counted again from their records, once per value.
{% set sexes, ages = sexes(), age_bands() %}
{% set dims = ['sex', 'age_band', 'country_of_service', 'destination_country'] %}
with person_periods as (
    select * from {{ ref('int_person_periods') }}
),
-- per person and dimension: the one code (NULL unless exactly one value and every record has it) and
-- whether the person had several values or some records without one
person_dims as (
    select
        cell, person_id, n_records,
        case when bit_count(sex_codes) = 1 and sex_codes <> 1 then {{ log2_of_power_of_two('sex_codes') }} end as sex_one,
        case when bit_count(age_band_codes) = 1 and age_band_codes <> 1 then {{ log2_of_power_of_two('age_band_codes') }} end as age_band_one,
        case when country_of_service_min = country_of_service_max and country_of_service_min >= 0 then country_of_service_min end as country_of_service_one,
        case when destination_country_min = destination_country_max and destination_country_min >= 0 then destination_country_min end as destination_country_one,
        bit_count(sex_codes) > 1 as sex_several,
        bit_count(age_band_codes) > 1 as age_band_several,
        country_of_service_min <> country_of_service_max as country_of_service_several,
        destination_country_min <> destination_country_max as destination_country_several
    from person_periods
),
one_value as (
    {%- for d in dims %}
    select cell, {{ loop.index }} as dim, {{ d }}_one as code, count(*) as persons, sum(n_records) as records
    from person_dims
    where {{ d }}_one is not null
    group by cell, {{ d }}_one
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),
several as (
    select cell, person_id, {% for d in dims %}{{ d }}_several{% if not loop.last %}, {% endif %}{% endfor %}
    from person_dims
    where {% for d in dims %}{{ d }}_several{% if not loop.last %} or {% endif %}{% endfor %}
),
several_records as {{ cte_materialized() }}(
    select s.*, {{ code_of('r.sex', sexes) }} as sex_code, {{ code_of('r.age_band', ages) }} as age_band_code,
        {{ iso3_code('r.country_of_service') }} as country_of_service_code,
        {{ iso3_code('r.destination_country') }} as destination_country_code
    from {{ ref('int_indicator_services') }} as r
    inner join several as s on s.cell = {{ hash_key('r.indicator_code', 'r.period') }} and s.person_id = r.person_id
),
several_values as (
    select cell, dim, code, count(*) as persons, sum(n) as records
    from (
        {%- for d in dims %}
        select cell, {{ loop.index }} as dim, {{ d }}_code as code, person_id, count(*) as n
        from several_records
        where {{ d }}_several and {{ d }}_code is not null
        group by cell, {{ d }}_code, person_id
        {% if not loop.last %}union all{% endif %}
        {%- endfor %}
    )
    group by cell, dim, code
),
cells as (
    select distinct cell, indicator_code, period from {{ ref('int_person_period_profiles') }}
),
counted as (
    select cell, dim, code, sum(persons) as persons, sum(records) as records
    from (select * from one_value union all select * from several_values)
    group by cell, dim, code
)
select
    c.indicator_code,
    c.period,
    {{ value_of('v.dim', dims) }} as dimension,
    case v.dim
        when 1 then {{ value_of('v.code', sexes) }}
        when 2 then {{ value_of('v.code', ages) }}
        else {{ iso3_value('v.code') }}
    end as dimension_value,
    cast(v.persons as bigint) as persons,
    cast(v.records as {{ type_count_sum() }}) as records
from counted as v
inner join cells as c on c.cell = v.cell
