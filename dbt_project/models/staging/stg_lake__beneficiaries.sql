-- One row per service_id: the winning version (re-delivery rule). A correction may move a service to
-- another date, type or project: only this version counts anywhere.
{{ latest_version('beneficiaries', ['service_id'], [
    'service_id', 'person_key', 'sex', 'age_band', 'service_type', 'strategy_point', 'service_date',
    'country_of_service', 'destination_country', 'case_category', 'project_code', 'extracted_at']) }}
