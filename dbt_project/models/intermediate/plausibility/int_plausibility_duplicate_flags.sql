-- Flags of the duplicate rules (plausibility_rules with family duplicates), on the winning services
-- (stg_lake__beneficiaries, which keeps each one's file). "Agree" means the same person (person_key),
-- service type, service date and country of service.
--   rekeyed_services  services that agree with another under a different service id: per service type,
--                     year and country of service, the extra services (group size - 1), flagged when at
--                     least min_count and at least threshold of the cell's records. The flag's indicator is
--                     the person or record count of the service type; it touches every indicator of the
--                     service type.
--   duplicate_file    a beneficiaries file of at least min_count winning rows more than threshold of whose
--                     rows agree with rows of one earlier file under other service ids. Files are ordered by
--                     their earliest extracted_at, then by name.
-- Only services whose four fields occur more than once (one hash of the four, stg_lake__beneficiaries.agree_key,
-- held more than once: int_plausibility_repeated_keys; then compared field by field) are looked at in detail:
-- cheap at any volume. `winning` is inlined, not kept: each of its three readers
-- scans the staging table again (9 s against 17 s at scale 10, where the kept CTE spilled to disk).
with rules as (
    select rule_id, threshold, min_count from {{ ref('plausibility_rules') }} where family = 'duplicates'
),
count_indicator as (
    select service_type, min(indicator_code) as indicator_code, min(strategy_point) as strategy_point
    from {{ ref('indicator_catalogue') }}
    where service_type is not null and measure in ('persons', 'records')
    group by service_type
),
winning as {{ cte_not_materialized() }}(
    select file_name, row_number, service_id, person_key, service_type, service_date, country_of_service, extracted_at, agree_key
    from {{ ref('stg_lake__beneficiaries') }}
),
repeated as (
    select agree_key from {{ ref('int_plausibility_repeated_keys') }}
),
candidates as {{ cte_materialized() }}(
    select * from winning where agree_key in (select agree_key from repeated)
),
winning_groups as (
    select service_type, cast(extract(year from service_date) as integer) as year, country_of_service,
           count(*) - 1 as extra
    from candidates
    group by person_key, service_type, service_date, country_of_service
    having count(*) > 1
),
rekeyed as (
    select service_type, year, country_of_service, sum(extra) as extra
    from winning_groups
    group by service_type, year, country_of_service
),
cells as (
    select service_type, service_year as year, country_of_service, count(*) as records
    from {{ ref('int_services') }}
    group by service_type, service_year, country_of_service
),
rekeyed_flags as (
    select k.*, c.records, r.rule_id, r.threshold, r.min_count
    from rekeyed as k
    inner join cells as c on c.service_type = k.service_type and c.year = k.year and c.country_of_service = k.country_of_service
    inner join rules as r on r.rule_id = 'rekeyed_services'
    where k.extra >= r.min_count and k.extra >= r.threshold * c.records
),
files as (
    select file_name, count(*) as file_rows, min(extracted_at) as first_extracted_at
    from winning
    group by file_name
),
file_order as (
    select file_name, file_rows, row_number() over (order by first_extracted_at, file_name) as file_rank
    from files
),
ranked as (
    select c.*, f.file_rank
    from candidates as c
    inner join file_order as f on f.file_name = c.file_name
),
matches as (
    select a.file_name, b.file_name as earlier_file, count(distinct a.row_number) as matched_rows,
           min(cast(extract(year from a.service_date) as integer)) as first_year,
           max(cast(extract(year from a.service_date) as integer)) as last_year
    from ranked as a
    inner join ranked as b
        on b.agree_key = a.agree_key
       and b.person_key = a.person_key and b.service_type = a.service_type and b.service_date = a.service_date
       and b.country_of_service = a.country_of_service
       and b.file_rank < a.file_rank and b.service_id <> a.service_id
    group by a.file_name, b.file_name
),
file_flags as (
    select m.*, f.file_rows, r.rule_id, r.threshold,
           row_number() over (partition by m.file_name order by m.matched_rows desc, m.earlier_file) as best
    from matches as m
    inner join file_order as f on f.file_name = m.file_name
    inner join rules as r on r.rule_id = 'duplicate_file'
    where f.file_rows >= r.min_count and m.matched_rows > r.threshold * f.file_rows
)
select
    k.rule_id,
    ci.indicator_code,
    ci.strategy_point,
    cast(k.year as {{ type_varchar() }}) as period,
    k.year as first_year,
    k.year as last_year,
    'country_of_service' as dimension,
    k.country_of_service as dimension_value,
    cast(k.extra as double) as observed,
    cast(null as double) as expected_low,
    cast(k.threshold * k.records as double) as expected_high,
    cast(k.records as double) as reference_value,
    {{ plausibility_number('k.extra') }} || ' of the ' || {{ plausibility_number('k.records') }} || ' ' || k.service_type
        || ' services of ' || cast(k.year as {{ type_varchar() }}) || ' in country of service ' || k.country_of_service
        || ' repeat another service of the same person, type, date and country under a different service id'
        || ' (probable re-keyed re-delivery; counted twice in record counts).' as sentence,
    'services' as scope,
    k.service_type
from rekeyed_flags as k
inner join count_indicator as ci on ci.service_type = k.service_type
union all
select
    rule_id,
    cast(null as {{ type_varchar() }}),
    cast(null as integer),
    case when first_year = last_year then cast(first_year as {{ type_varchar() }})
         else cast(first_year as {{ type_varchar() }}) || '-' || cast(last_year as {{ type_varchar() }}) end,
    first_year,
    last_year,
    'file',
    file_name,
    cast(matched_rows as double),
    cast(null as double),
    cast(threshold * file_rows as double),
    cast(file_rows as double),
    'Delivery file ' || file_name || ': ' || {{ plausibility_number('matched_rows') }} || ' of its '
        || {{ plausibility_number('file_rows') }} || ' rows (' || {{ plausibility_number('100.0 * matched_rows / file_rows', 0) }}
        || '%) repeat rows of the earlier file ' || earlier_file
        || ' (same person, service type, date and country) under other service ids: probably a re-delivery under new keys.',
    'services',
    cast(null as {{ type_varchar() }})
from file_flags
where best = 1
