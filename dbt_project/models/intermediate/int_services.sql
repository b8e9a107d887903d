-- The winning services in a compact form for counting: persons as integers (exact distinct counts,
-- cheaper than 64-character hashes), `recency`, the order of "latest qualifying record" among a person's
-- services (latest service_date, then greatest service_id) as one integer, and the winning row's file as a small integer
-- (`file_id`, a hash of the file name: macros/cells.sql beneficiary_file_id) with its number of delivered versions (int_provenance_counted), and
-- whether the service is its person's only winning service (`only_service_of_person`): such a person is one
-- record in every (service set, period) that counts them, so int_person_periods takes their rows as they
-- are, without aggregating them (at scale 10 8.0 M of 11.5 M persons, 45.5 M of the 93.0 M set-period rows).
--
-- A person's id is a function of their key alone: the top 63 bits of a 64-bit hash of `person_key`
-- (macros/portable.sql person_hash), so it does not change when other persons are delivered (an
-- incremental build needs that, issue 17) and needs no sort. Two keys with the same id would be counted as
-- one person, so the ids that several keys share are looked for, and those keys are numbered apart with
-- negative ids (-1, -2, ... in key order), which no hashed id takes. At 11.5 M persons a shared id
-- has a chance of about 7 in a million; the var `person_id_bits` (default 63) narrows the hash so
-- that a unit test can force it. The dense numbering it replaces (row_number over the distinct keys,
-- joined back on the key) took 13.4 s at scale 10 against 9.8-10.4 s for this (docs/performance.md).
--
-- Built for volume: each number is computed over the few columns it needs (persons over the keys, recency
-- over service_id and date, file ids over the distinct file names) and joined back. One select with both
-- window functions over all columns sorted the whole payload twice: 71 s against 33 s at scale 10
-- (docs/performance.md). The staging table is named in each part, not through one CTE: DuckDB
-- materialises a CTE that is read more than once, all its columns, which cost 125 s.
--
-- Incremental on DuckDB (issue 17, macros/incremental_versions.sql): every number here depends only on the
-- services of one person hash (recency and the only-service flag are computed per hash, the file id is a hash of
-- the file name), except the numbering of shared ids, which is over all shared keys. So when the winning
-- versions were decided again for some services, the rows recomputed are those of every service whose person hash
-- is touched: the hashes of those services' keys before and after, and every hash that is or was shared (all
-- shared keys are then in scope and numbered as in a full build). tests/test_incremental.py checks the
-- result against a full rebuild.
{{ config(
    materialized=('incremental' if target.type == 'duckdb' else 'table'),
    incremental_strategy='append',
    pre_hook=["{{ mark_touched_persons() }}"],
) }}
{% set bits = person_id_bits() %}
{% set sexes, ages, categories = sexes(), age_bands(), case_categories() %}
{% if bits < 1 or bits > 63 %}
    {{ exceptions.raise_compiler_error('int_services: person_id_bits must be 1..63, not ' ~ bits) }}
{% endif %}
{% set stg = ref('stg_lake__beneficiaries') %}
{% set parts = rows_in_parts(stg, var('services_per_window_part', 17000000)) %}
{% if build_delta_given() %}
{% set scope %}(select * from {{ stg }} where service_id in (select service_id from {{ touched_person_services_relation() }})){% endset %}
{% else %}
{% set scope = stg %}
{% endif %}
-- The shared ids: over the distinct keys, the ids that more than one key hashes to. Counting the distinct
-- keys per id is exact, like the min(key) <> max(key) per id over every row that it replaces, and cheaper:
-- the strings are deduplicated once and the count is over integers, where min/max kept two 64-character
-- strings per group (at scale 10 the query alone: 4.3 s against 9.1 s; docs/performance.md).
-- In `parts` parts by person hash, as recency below (a hash's keys all lie in one part): at scale 30 (34.6M
-- distinct keys) the aggregate in one part ran out of DuckDB's default 1000MB; in three it takes ~22 s.
with shared_ids as (
    {% for k in range(parts) %}
    {% if not loop.first %}union all{% endif %}
    select {{ person_hash('person_key', bits) }} as person_id
    from (
        select distinct person_key
        from {{ scope }}
        {% if parts > 1 %}where {{ person_hash('person_key', bits) }} % {{ parts }} = {{ k }}{% endif %}
    ) as k
    group by {{ person_hash('person_key', bits) }}
    having count(*) > 1
    {% endfor %}
),
renumbered as (
    select person_key, -cast(row_number() over (order by person_key) as bigint) as person_id
    from (
        select distinct s.person_key
        from {{ scope }} as s
        inner join shared_ids as h on h.person_id = {{ person_hash('s.person_key', bits) }}
    ) as k
),
-- recency and the only-service flag per person hash (`person_id` before shared ids are numbered apart): recency
-- is the rank by service_date and service_id among the services of the hash, so within each person the order
-- of their records, which is all int_person_periods compares (the latest record of a person in a cell), and
-- it depends on that hash's services only (an incremental build recomputes a touched hash whole). A service is
-- its person's only one when it is the only service of its hash: keys that share a hash are counted together,
-- so a service is only called its person's only one when it is, and a doubt costs an aggregation, never a
-- wrong count.
--
-- Computed in `parts` parts, each over the hashes of one residue (every hash lies in exactly one part), one part
-- per `services_per_window_part` winning services (var, default 17,000,000: scale 10 in one part as measured,
-- scale 30 in three), so that each part's aggregates fit DuckDB's default 1000MB at any volume; with
-- the shared ids in one part, the scale-30 build ran out of memory (docs/performance.md).
recency as (
    {% for k in range(parts) %}
    {% if not loop.first %}union all{% endif %}
    select
        service_id,
        cast(row_number() over by_person as bigint) as recency,
        count(*) over (partition by person_hash) = 1 as only_service_of_person
    from (
        select service_id, service_date, {{ person_hash('person_key', bits) }} as person_hash
        from {{ scope }}
        {% if parts > 1 %}where {{ person_hash('person_key', bits) }} % {{ parts }} = {{ k }}{% endif %}
    ) as h
    window by_person as (partition by person_hash order by service_date, service_id)
    {% endfor %}
)
select
    s.service_id,
    coalesce(n.person_id, {{ person_hash('s.person_key', bits) }}) as person_id,
    r.recency,
    cast(extract(year from s.service_date) as integer) as service_year,
    s.service_type,
    s.project_code,
    -- the country of service as text for the plausibility checks (office completeness, duplicates); the
    -- other attributes only as codes (below): nothing downstream reads their text, and writing four more
    -- string columns of 16.5 M rows cost ~2.4 s at scale 10, the model alone (docs/performance.md)
    s.country_of_service,
    -- the attributes as the small integer codes int_person_periods and int_dimension_records count with
    -- (macros/value_codes.sql), coded once per service here rather than once per service and cell there
    -- (~7 times as many rows: 9 s of 71 s of int_person_periods at scale 10, docs/performance.md)
    {{ code_of('s.sex', sexes) }} as sex_code,
    {{ code_of('s.age_band', ages) }} as age_band_code,
    {{ code_of('s.case_category', categories) }} as case_category_code,
    {{ iso3_code('s.country_of_service') }} as country_of_service_code,
    {{ iso3_code('s.destination_country') }} as destination_country_code,
    {{ beneficiary_file_id('s.file_name') }} as file_id,
    s.versions_delivered,
    r.only_service_of_person
from {{ scope }} as s
left join renumbered as n on n.person_key = s.person_key
inner join recency as r on r.service_id = s.service_id
