-- One row per (project_code, year): the winning version (re-delivery rule). Held rows are not yet removed.
{{ latest_version('expenditures', ['project_code', 'year'], [
    'project_code', 'year', 'expenditure_usd', 'extracted_at']) }}
