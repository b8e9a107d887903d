-- The service-based indicators of the catalogue by the set of services each counts: `service_set` names
-- the membership rule (service_type, reached_point; int_indicator_services), so indicators with the same
-- rule share one set. Persons are counted once per set, period and person (int_person_periods) and the
-- counts given to every indicator of the set afterwards (macros/cells.sql), on a few thousand rows.
-- The catalogue of the demo and of scale 10 has 25 service-based indicators in 20 sets: the training
-- participants and its two shares, the health assessments and their countries, the AVRR returns and their
-- destinations each count the same services; counting them once per indicator was ~18% of the ~113M
-- service-period rows of int_person_periods at scale 10 (docs/performance.md).
select
    indicator_code,
    service_type,
    reached_point,
    {{ service_set_key('service_type', 'reached_point') }} as service_set
from {{ ref('indicator_catalogue') }}
where measure in ('persons', 'records', 'countries_of_service', 'destination_countries', 'person_share')
