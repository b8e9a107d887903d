-- The winning services in a compact form for counting: persons as dense integers (exact distinct counts,
-- cheaper than 64-character hashes) and `recency`, the order of "latest qualifying record" (latest
-- service_date, then greatest service_id) as one integer.
select
    service_id,
    cast(dense_rank() over (order by person_key) as bigint) as person_id,
    cast(row_number() over (order by service_date, service_id) as bigint) as recency,
    cast(extract(year from service_date) as integer) as service_year,
    service_type,
    project_code,
    sex,
    age_band,
    country_of_service,
    destination_country,
    case_category
from {{ ref('stg_lake__beneficiaries') }}
