-- Every valid projects row of the current files (all versions), with its file name and row number.
{{ delivered_rows('projects', [
    'project_code', 'title', 'country_iso3', 'activity_type', 'strategy_points', 'primary_point',
    'start_date', 'end_date', 'budget_usd', 'extracted_at']) }}
