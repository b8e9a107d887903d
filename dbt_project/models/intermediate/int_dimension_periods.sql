-- Per service-based indicator, period, dimension and value: distinct persons and records.
-- Each record counts under its own values; a person counts once under every value they had.
-- A missing value is not a value (no row).
-- Most persons have one value of a dimension in a period, on every record: they are counted from
-- int_person_periods (the codes each person had). The others (several values, or for sex and age band
-- some records without one: 8.7% of the person-periods of the demo data) are counted from their records,
-- once per value, from int_dimension_records (counted in int_dimension_record_counts, kept between builds).
{% set sexes, ages = sexes(), age_bands() %}
{% set dims = breakdown_dimensions() %}
with person_periods as (
    select * from {{ ref('int_person_periods') }}
),
-- per row (a several-valued person, or a group of persons with the same codes) and dimension: the one code
-- (NULL unless one value and every record has it: not several-valued in the sense of int_dimension_records,
-- macros/several_values.sql, and not "no value" (sex and age band bit set 1, countries -1); the persons
-- int_dimension_records takes for that dimension are the others with a value)
person_dims as (
    select
        cell, persons, records,
        case when not ({{ several_values('sex') }}) and sex_codes <> 1 then {{ log2_of_power_of_two('sex_codes') }} end as sex_one,
        case when not ({{ several_values('age_band') }}) and age_band_codes <> 1 then {{ log2_of_power_of_two('age_band_codes') }} end as age_band_one,
        case when not ({{ several_values('country_of_service') }}) and country_of_service_min >= 0 then country_of_service_min end as country_of_service_one,
        case when not ({{ several_values('destination_country') }}) and destination_country_min >= 0 then destination_country_min end as destination_country_one
    from person_periods
),
one_value as (
    {%- for d in dims %}
    select cell, {{ loop.index }} as dim, {{ d }}_one as code, sum(persons) as persons, sum(records) as records
    from person_dims
    where {{ d }}_one is not null
    group by cell, {{ d }}_one
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),
several_values as (
    select cell, dim, code, persons, records from {{ ref('int_dimension_record_counts') }}
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
