{{ config(materialized='table') }}
-- One row per key ['service_id']: the winning version (re-delivery rule). A correction may move a record to
-- another year or project: only this version counts anywhere.
{{ latest_version(ref('stg_lake__beneficiaries_delivered'), ['service_id'], lake_columns('beneficiaries')) }}
