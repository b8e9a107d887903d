-- One row per key ['service_id']: the winning version (re-delivery rule). A correction may move a record to
-- another year or project: only this version counts anywhere.
--
-- On DuckDB the table is kept between builds (incremental): when the build database passed its last build,
-- only the services that the deliveries added or removed since then touch are decided again, over all their
-- current versions (macros/incremental_versions.sql); the others keep their winner. Otherwise (a first
-- build, dbt run by hand without REVIEW_BUILD_DELTA: all rows replaced), and on other engines, every service
-- is decided from the whole lake.
{{ config(
    materialized=('incremental' if target.type == 'duckdb' else 'table'),
    incremental_strategy='append',
    pre_hook=["{{ mark_touched_services() }}"],
) }}
{% set delivered = ref('stg_lake__beneficiaries_delivered') %}
{% if build_delta_given() %}
{% set decided %}(select v.* from {{ delivered }} as v where v.service_id in (select service_id from {{ touched_services_relation(this) }})){% endset %}
{% else %}
{% set decided = delivered %}
{% endif %}
-- with the duplicate rules' agree key (macros/service_agree_key.sql)
select w.*, {{ service_agree_key('w.') }} as agree_key
from ({{ latest_version(decided, ['service_id'], lake_columns('beneficiaries')) }}) as w
