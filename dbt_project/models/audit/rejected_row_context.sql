-- One row per rejected row (rows rejected for their field count excepted): the fields that decide which
-- indicators it would have fed had it been valid, each kept only when it passed its own checks. A row
-- whose failures span 3 or more columns looks shifted and keeps no field (context_kept = false).
-- No personal-data value; the person's keyed hash stays in staging (has_person_key says whether there is one).
-- Join to audit.rejected_rows on (kind, file_name, row_number) for the failed checks.
select
    kind,
    file_name,
    row_number,
    context_kept,
    failed_columns,
    person_key is not null as has_person_key,
    service_type,
    strategy_point,
    service_date,
    project_code,
    country_of_service,
    destination_country,
    year,
    activity_type,
    strategy_points,
    start_date,
    end_date
from {{ ref('stg_lake__reject_context') }}
