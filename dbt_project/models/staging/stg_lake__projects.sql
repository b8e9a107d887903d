{{ config(materialized='table') }}
-- One row per key ['project_code']: the winning version (re-delivery rule). A correction may move a record to
-- another year or project: only this version counts anywhere.
{{ latest_version(ref('stg_lake__projects_delivered'), ['project_code'], lake_columns('projects')) }}
