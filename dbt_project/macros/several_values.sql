{#-
  Whether a person had several values of a breakdown dimension in a (service set, period) cell, from the
  columns of int_person_periods: sex and age band as bit sets of the codes their records had (bit 0: a
  record without a value, so a person with one value on some records and none on others counts as several),
  countries as the lowest and highest code (-1: no value). Such persons are counted from their records
  (int_dimension_records); the others from their row of int_person_periods, which merges them by profile,
  and int_dimension_periods counts those rows' one value. One definition for the three models: they must
  agree on who is several-valued, or a person would be counted twice or not at all. (A bit set always has
  a bit, one per record, so "not several" is exactly one bit.)
-#}
{% macro several_values(dimension) -%}
{%- if dimension == 'sex' -%} bit_count(sex_codes) > 1
{%- elif dimension == 'age_band' -%} bit_count(age_band_codes) > 1
{%- elif dimension in ('country_of_service', 'destination_country') -%} {{ dimension }}_min <> {{ dimension }}_max
{%- else -%} {{ exceptions.raise_compiler_error('several_values: no breakdown dimension ' ~ dimension) }}
{%- endif -%}
{%- endmacro %}

{% macro any_several_values() -%}
({{ several_values('sex') }} or {{ several_values('age_band') }} or {{ several_values('country_of_service') }} or {{ several_values('destination_country') }})
{%- endmacro %}
