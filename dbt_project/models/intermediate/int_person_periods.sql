-- One row per service-based indicator, period and person: how many records, and the person's attributes
-- from their latest qualifying record in the period (latest service_date, then greatest service_id).
select
    indicator_code,
    period,
    person_key,
    count(*) as n_records,
    max_by(sex, latest_key) as sex,
    max_by(age_band, latest_key) as age_band,
    max_by(case_category, latest_key) as case_category
from (
    select *, cast(service_date as varchar) || '|' || service_id as latest_key
    from {{ ref('int_indicator_services') }}
) as s
group by indicator_code, period, person_key
