{#-
  The body of int_person_periods (its comments say why it is built so): the person groups of the rows of
  `indicator_services` (a relation or parenthesised query with int_indicator_services' columns), aggregated in
  `chunks` parts. A macro so that an incremental build computes the groups of the touched persons alone the same
  way (macros/incremental_person_counts.sql).

  `merged_in_parts` (int_person_periods built whole on DuckDB): each part's groups are also merged by codes
  within the part, so a merged group (one-valued persons, person_id NULL) may come out once per part, and the
  model's post-hook merges those rows (merge_person_period_parts). Otherwise one last aggregate merges every
  part's groups: at scale 30 (218M person rows, 23M groups of one several-valued person each) that aggregate
  alone ran out of DuckDB's default 1000MB, and took 34 s of thread time (docs/performance.md).
-#}
{% macro person_period_groups(indicator_services, chunks, merged_in_parts=false) %}
-- not materialized: each part reads it again, filtered; materialised it would hold every row at once
with coded as {{ cte_not_materialized() }}(
    select
        {{ hash_key('service_set', 'period') }} as cell,
        person_id,
        -- recency is unique: the max of recency * 512 + the three codes (3 bits each) holds the codes of the
        -- latest record, in one aggregate (three took 21% longer). A record without a value has code 0 (NULL
        -- in the output), so the latest record decides even when it is empty: a person whose latest record
        -- has no case_category is not a resettlement case although an earlier record said so
        -- (indicators.md: the attributes come from the latest qualifying record).
        recency * 512 + coalesce(sex_code, 0) * 64 + coalesce(age_band_code, 0) * 8 + coalesce(case_category_code, 0) as latest,
        -- the codes of sex and age band as bits (bit 0: no value), or-ed into each dimension's bit set
        ({{ shift_left('1', 'coalesce(sex_code, 0)') }}) | ({{ shift_left('1', '(8 + coalesce(age_band_code, 0))') }}) as sex_age_band_codes,
        -- countries: -1 for no value
        coalesce(country_of_service_code, -1) as country_of_service_code,
        coalesce(destination_country_code, -1) as destination_country_code,
        only_service_of_person
    from {{ indicator_services }} as indicator_services
)
-- One group per (cell, person). A person with one winning service (int_services.only_service_of_person) is
-- one record in each of their cells: their rows are their groups as they are (at scale 10 45.5M of the 93.0M
-- rows; the model 34-37 s -> 22 s alone). The others' rows are aggregated in `chunks` parts, each over the
-- persons of one residue of person_id (every group lies in exactly one part): the groups of one part fit in
-- memory, where one aggregate over all of them spilled and, at scale 30, ran out of 1200MB
-- (docs/performance.md). A row whose flag is not true is aggregated (exact in every case).
{% if merged_in_parts and chunks > 1 %}
{% for k in range(chunks) %}
{% if not loop.first %}union all{% endif %}
{{ person_period_merged(person_period_rows(chunks, k)) }}
{% endfor %}
{% else %}
{{ person_period_merged(person_period_rows(chunks, none)) }}
{% endif %}
{% endmacro %}

{#- the rows of `coded` (person_period_groups) of the persons of part `part` (every part when none), one per
    (cell, person) -#}
{% macro person_period_rows(chunks, part) %}
{%- set in_part %}(person_id % {{ chunks }} + {{ chunks }}) % {{ chunks }}{% endset -%}
(
    select
        cell,
        person_id,
        1 as n_records,
        latest,
        sex_age_band_codes,
        country_of_service_code as country_of_service_min,
        country_of_service_code as country_of_service_max,
        destination_country_code as destination_country_min,
        destination_country_code as destination_country_max
    from coded
    where only_service_of_person
    {% if part is not none and chunks > 1 %}and {{ in_part }} = {{ part }}{% endif %}
    {% for k in (range(chunks) if part is none else [part]) %}
    union all
    select
        cell,
        person_id,
        count(*) as n_records,
        max(latest) as latest,
        -- the codes each dimension took: sex and age band as bit sets, countries as the lowest and highest
        -- code; few aggregates keep the groups small
        bit_or(sex_age_band_codes) as sex_age_band_codes,
        min(country_of_service_code) as country_of_service_min,
        max(country_of_service_code) as country_of_service_max,
        min(destination_country_code) as destination_country_min,
        max(destination_country_code) as destination_country_max
    from coded
    where coalesce(only_service_of_person, false) = false
    {% if chunks > 1 %}and {{ in_part }} = {{ k }}{% endif %}
    group by cell, person_id
    {% endfor %}
)
{% endmacro %}

{#- the groups of the rows `per_person` (person_period_rows): the codes decoded; the several-valued persons keep
    their id (a group of one), the others are merged by cell and codes -#}
{% macro person_period_merged(per_person) %}
select
    cell,
    kept_person_id as person_id,
    cast(count(*) as bigint) as persons,
    cast(sum(n_records) as bigint) as records,
    {{ person_period_profile() | join(', ') }}
from (
    select
        d.*,
        case when {{ any_several_values() }} then d.person_id end as kept_person_id
    from (
        select
            p.cell,
            p.person_id,
            p.n_records,
            cast(nullif(({{ int_div('p.latest', '64') }}) % 8, 0) as {{ type_small_code() }}) as sex_code,
            cast(nullif(({{ int_div('p.latest', '8') }}) % 8, 0) as {{ type_small_code() }}) as age_band_code,
            cast(nullif(p.latest % 8, 0) as {{ type_small_code() }}) as case_category_code,
            cast(p.sex_age_band_codes & 255 as {{ type_small_code() }}) as sex_codes,
            cast({{ shift_right('p.sex_age_band_codes', '8') }} as {{ type_small_code() }}) as age_band_codes,
            p.country_of_service_min,
            p.country_of_service_max,
            p.destination_country_min,
            p.destination_country_max
        from {{ per_person }} as p
    ) as d
) as kept
group by cell, kept_person_id, {{ person_period_profile() | join(', ') }}
{% endmacro %}

{#- The columns besides cell and person_id that make a group of int_person_periods: the codes of a one-valued
    person's profile and the packed or extreme codes of the breakdowns (nullable: case_category_code, sex_code,
    age_band_code). A group is (cell, person_id, these). -#}
{% macro person_period_profile() -%}
{{ return(['sex_code', 'age_band_code', 'case_category_code', 'sex_codes', 'age_band_codes', 'country_of_service_min',
           'country_of_service_max', 'destination_country_min', 'destination_country_max']) }}
{%- endmacro %}
