-- Flags of the completeness rules (plausibility_rules with family completeness). A country office is a
-- country of service; its records are its winning services of any type (int_services) per year of the
-- spine (marts.dim_year), 0 when it reported none.
--   office_silent   records(y) = 0 while records(y-1) and records(y+1) both reach min_count
--   office_share    0 < records(y) < threshold * mean(records(y-1), records(y+1)); y and both neighbours
--                   non-provisional; not judged when that mean is under min_count
--   reporting_rate  of the offices with at least min_count records in y-1, the share with any record in
--                   y, flagged under threshold; y and y-1 non-provisional
with rules as (
    select rule_id, threshold, min_count from {{ ref('plausibility_rules') }} where family = 'completeness'
),
years as (
    select year, is_provisional from {{ ref('dim_year') }}
),
reported as (
    select country_of_service, service_year as year, count(*) as records
    from {{ ref('int_services') }}
    group by country_of_service, service_year
),
offices as (
    select distinct country_of_service from reported
),
grid as (
    select o.country_of_service, y.year, y.is_provisional, cast(coalesce(r.records, 0) as double) as records
    from offices as o
    cross join years as y
    left join reported as r on r.country_of_service = o.country_of_service and r.year = y.year
),
ordered as (
    select
        g.*,
        lag(records) over (partition by country_of_service order by year) as prev_records,
        lead(records) over (partition by country_of_service order by year) as next_records,
        lag(is_provisional) over (partition by country_of_service order by year) as prev_provisional,
        lead(is_provisional) over (partition by country_of_service order by year) as next_provisional
    from grid as g
),
silent as (
    select o.*, r.rule_id, r.threshold, r.min_count
    from ordered as o
    inner join rules as r on r.rule_id = 'office_silent'
    where o.records = 0 and o.prev_records >= r.min_count and o.next_records >= r.min_count
),
share as (
    select o.*, r.rule_id, r.threshold, r.min_count, (o.prev_records + o.next_records) / 2 as expected
    from ordered as o
    inner join rules as r on r.rule_id = 'office_share'
    where not o.is_provisional and o.prev_provisional = false and o.next_provisional = false
      and o.records > 0
      and (o.prev_records + o.next_records) / 2 >= r.min_count
      and o.records < r.threshold * (o.prev_records + o.next_records) / 2
),
rate as (
    select o.year, r.rule_id, r.threshold, r.min_count,
           count(*) as expected_offices,
           sum(case when o.records > 0 then 1 else 0 end) as reporting_offices
    from ordered as o
    inner join rules as r on r.rule_id = 'reporting_rate'
    where not o.is_provisional and o.prev_provisional = false and o.prev_records >= r.min_count
    group by o.year, r.rule_id, r.threshold, r.min_count
),
flags as (
    select
        rule_id, year, 'country_of_service' as dimension, country_of_service as dimension_value,
        records as observed, cast(null as double) as expected_low, cast(null as double) as expected_high,
        (prev_records + next_records) / 2 as reference_value,
        'Country office ' || country_of_service || ' reported no services in ' || cast(year as {{ type_varchar() }})
            || ', but ' || {{ plausibility_number('prev_records') }} || ' the year before and '
            || {{ plausibility_number('next_records') }} || ' the year after.' as sentence
    from silent
    union all
    select
        rule_id, year, 'country_of_service', country_of_service,
        records, threshold * expected, cast(null as double), expected,
        'Country office ' || country_of_service || ' reported ' || {{ plausibility_number('records') }} || ' services in '
            || cast(year as {{ type_varchar() }}) || ', ' || {{ plausibility_number('100 * records / expected', 0) }}
            || '% of the ' || {{ plausibility_number('expected') }} || ' expected from the years before and after (flagged under '
            || {{ plausibility_number('100 * threshold', 0) }} || '%).'
    from share
    union all
    select
        rule_id, year, cast(null as {{ type_varchar() }}), cast(null as {{ type_varchar() }}),
        100.0 * reporting_offices / expected_offices, 100 * threshold, 100.0, cast(expected_offices as double),
        'Reporting rate ' || cast(year as {{ type_varchar() }}) || ': ' || cast(reporting_offices as {{ type_varchar() }}) || ' of the '
            || cast(expected_offices as {{ type_varchar() }}) || ' offices that reported the year before reported services ('
            || {{ plausibility_number('100.0 * reporting_offices / expected_offices', 1) }} || '%, flagged under '
            || {{ plausibility_number('100 * threshold', 0) }} || '%).'
    from rate
    where reporting_offices < threshold * expected_offices
)
select
    rule_id,
    cast(null as {{ type_varchar() }}) as indicator_code,
    cast(null as integer) as strategy_point,
    cast(year as {{ type_varchar() }}) as period,
    year as first_year,
    year as last_year,
    dimension,
    dimension_value,
    cast(observed as double) as observed,
    cast(expected_low as double) as expected_low,
    cast(expected_high as double) as expected_high,
    cast(reference_value as double) as reference_value,
    sentence,
    'services' as scope,
    cast(null as {{ type_varchar() }}) as service_type
from flags
