{#-
  The winning versions kept between builds (issue 17; pipelines/build_file.py). On DuckDB a full refresh
  whose build database passed its last build runs stg_lake__beneficiaries incrementally: the deliveries
  added and removed since then are in REVIEW_BUILD_DELTA (change, cache_key, file_name), and only the
  services they touch are decided again.

  A service's winner and versions_delivered depend only on its set of delivered versions, which changes only
  when a version is in an added or a removed delivery. So the touched services are:
  - every service with a row in an added delivery (read from the lake);
  - every kept winner whose file was removed (its name: a delivery corrected under the same name is removed
    and added), and, when anything was removed, every kept service with more than one version (a losing
    version may have been in the removed delivery; the removed files' rows may no longer be in the lake).
  Touching more services than changed costs time, never a wrong winner: a touched service's versions are
  read again from every current delivery (latest_version, exact). tests/test_incremental.py checks the
  incremental build against a full rebuild, table by table, over random sequences of deliveries.
-#}

{# true when this build is given the deliveries added and removed since the last one (Dagster sets it) #}
{% macro build_delta_given() -%}
{{ return(is_incremental() and env_var("REVIEW_BUILD_DELTA", "") != "") }}
{%- endmacro %}

{% macro build_delta() -%}
read_parquet('{{ env_var("REVIEW_BUILD_DELTA", "") | replace("'", "''") }}')
{%- endmacro %}

{% macro touched_services_relation() -%}
{{ api.Relation.create(database=this.database, schema=this.schema, identifier=this.identifier ~ '__touched') }}
{%- endmacro %}

{# pre-hook: the touched services, and their kept winners deleted (their new winners are the model's rows);
   a build into an existing table without a delta (dbt run by hand) deletes every row and decides them all #}
{% macro mark_touched_services() %}
{% if build_delta_given() %}
create or replace table {{ touched_services_relation() }} as
select distinct r.service_id
from {{ source('lake', 'beneficiaries') }} as r
inner join {{ build_delta() }} as d on d.cache_key = r.cache_key and d.change = 'added'
union
select k.service_id
from {{ this }} as k
where k.file_name in (select file_name from {{ build_delta() }} where change = 'removed')
    or (k.versions_delivered > 1 and exists (select 1 from {{ build_delta() }} where change = 'removed'));
delete from {{ this }} where service_id in (select service_id from {{ touched_services_relation() }})
{% elif is_incremental() %}
delete from {{ this }}
{% else %}
select 1
{% endif %}
{% endmacro %}

{# post-hook: the list of touched services is not part of the build #}
{% macro drop_touched_services() %}
drop table if exists {{ touched_services_relation() }}
{% endmacro %}
