-- One row per service-based indicator, period and person: how many records, and the person's attributes
-- from their latest qualifying record in the period (greatest `recency`: latest service_date, then
-- greatest service_id).
select
    indicator_code,
    period,
    person_id,
    count(*) as n_records,
    max_by(sex, recency) as sex,
    max_by(age_band, recency) as age_band,
    max_by(case_category, recency) as case_category
from {{ ref('int_indicator_services') }}
group by indicator_code, period, person_id
