-- One row per project_code: the winning version (re-delivery rule).
{{ latest_version('projects', ['project_code'], [
    'project_code', 'title', 'country_iso3', 'activity_type', 'strategy_points', 'primary_point',
    'start_date', 'end_date', 'budget_usd', 'extracted_at']) }}
