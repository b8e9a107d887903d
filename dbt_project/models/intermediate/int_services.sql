-- The winning services in a compact form for counting: persons as dense integers (exact distinct counts,
-- cheaper than 64-character hashes), `recency`, the order of "latest qualifying record" (latest
-- service_date, then greatest service_id) as one integer, and the winning row's file as a small integer
-- (`file_id`, in file-name order) with its number of delivered versions (int_provenance_counted).
--
-- Built for volume: each number is computed over the few columns it needs (persons over the distinct
-- person keys, recency over service_id and date, file ids over the distinct file names) and joined back. One
-- select with both window functions over all columns sorted the whole payload twice: 71 s against 33 s at
-- scale 10 (docs/performance.md). The staging table is named in each part, not through one CTE: DuckDB
-- materialises a CTE that is read more than once, all its columns, which cost 125 s.
with persons as (
    select person_key, cast(row_number() over (order by person_key) as bigint) as person_id
    from (select distinct person_key from {{ ref('stg_lake__beneficiaries') }}) as p
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
    p.person_id,
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
inner join persons as p on p.person_key = s.person_key
inner join recency as r on r.service_id = s.service_id
inner join files as f on f.file_name = s.file_name
