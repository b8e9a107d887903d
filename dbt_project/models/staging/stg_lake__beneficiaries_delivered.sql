-- Every valid beneficiaries row of the current files (all versions), with its file name and row number.
{{ delivered_rows('beneficiaries', [
    'service_id', 'person_key', 'sex', 'age_band', 'service_type', 'strategy_point', 'service_date',
    'country_of_service', 'destination_country', 'case_category', 'project_code', 'extracted_at']) }}
