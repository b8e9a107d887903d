-- The agree keys (stg_lake__beneficiaries.agree_key: one hash of person, service type, date and country of
-- service) that more than one winning service holds, with how many: the services the duplicate rules look at
-- in detail (int_plausibility_duplicate_flags compares their fields).
--
-- Incremental on DuckDB (issue 17): a key's count changes only when a service holding it is decided again.
-- When stg_lake__beneficiaries was built from a delta it listed the keys of the winners it removed
-- (`stg_lake__beneficiaries__touched_agree_keys`); the touched keys are those and the keys of the winners it
-- decided again, and only they are counted again over every winning service (a lookup of a few hundred
-- thousand keys where the whole count groups every service: at scale 30 50M groups, 24 s, and it ran out of
-- the default 1000MB beside int_dimension_records' update). Otherwise every key is counted.
{{ config(
    materialized=('incremental' if target.type == 'duckdb' else 'table'),
    incremental_strategy='append',
    pre_hook=["{{ mark_touched_agree_keys() }}"],
) }}
select agree_key, count(*) as services
from {{ ref('stg_lake__beneficiaries') }}
{% if agree_keys_delta_given() %}
where agree_key in (select agree_key from {{ sibling(this.identifier ~ '__touched') }})
{% endif %}
group by agree_key
having count(*) > 1
