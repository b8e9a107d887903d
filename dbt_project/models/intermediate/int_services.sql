-- The winning services in a compact form for counting: persons as integers (exact distinct counts,
-- cheaper than 64-character hashes), `recency`, the order of "latest qualifying record" (latest
-- service_date, then greatest service_id) as one integer, and the winning row's file as a small integer
-- (`file_id`, in file-name order) with its number of delivered versions (int_provenance_counted).
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
{% set bits = var('person_id_bits', 63) | int %}
{% if bits < 1 or bits > 63 %}
    {{ exceptions.raise_compiler_error('int_services: person_id_bits must be 1..63, not ' ~ bits) }}
{% endif %}
with shared_ids as (
    select {{ person_hash('person_key', bits) }} as person_id
    from {{ ref('stg_lake__beneficiaries') }}
    group by {{ person_hash('person_key', bits) }}
    having min(person_key) <> max(person_key)
),
renumbered as (
    select person_key, -cast(row_number() over (order by person_key) as bigint) as person_id
    from (
        select distinct s.person_key
        from {{ ref('stg_lake__beneficiaries') }} as s
        inner join shared_ids as h on h.person_id = {{ person_hash('s.person_key', bits) }}
    ) as k
),
recency as (
    select service_id, cast(row_number() over (order by service_date, service_id) as bigint) as recency
    from {{ ref('stg_lake__beneficiaries') }}
),
files as (
    {{ beneficiary_file_ids() }}
)
select
    s.service_id,
    coalesce(n.person_id, {{ person_hash('s.person_key', bits) }}) as person_id,
    r.recency,
    cast(extract(year from s.service_date) as integer) as service_year,
    s.service_type,
    s.project_code,
    s.sex,
    s.age_band,
    s.country_of_service,
    s.destination_country,
    s.case_category,
    f.file_id,
    s.versions_delivered
from {{ ref('stg_lake__beneficiaries') }} as s
left join renumbered as n on n.person_key = s.person_key
inner join recency as r on r.service_id = s.service_id
inner join files as f on f.file_name = s.file_name
