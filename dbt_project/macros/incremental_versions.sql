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

{# the services whose winning version this build decided again (stg_lake__beneficiaries' pre-hook writes it,
   int_services reads it; pipelines/build_file.py drops the __touched tables before the build is published) #}
{% macro touched_services_relation(winners) -%}
{{ return(winners.incorporate(path={"identifier": winners.identifier ~ '__touched'})) }}
{%- endmacro %}

{# pre-hook: the touched services, and their kept winners deleted (their new winners are the model's rows);
   a build into an existing table without a delta (dbt run by hand) deletes every row and decides them all #}
{% macro mark_touched_services() %}
{% if build_delta_given() %}
create or replace table {{ touched_services_relation(this) }} as
select distinct r.service_id
from {{ source('lake', 'beneficiaries') }} as r
inner join {{ build_delta() }} as d on d.cache_key = r.cache_key and d.change = 'added'
union
select k.service_id
from {{ this }} as k
where k.file_name in (select file_name from {{ build_delta() }} where change = 'removed')
    or (k.versions_delivered > 1 and exists (select 1 from {{ build_delta() }} where change = 'removed'));
-- the duplicate rules' keys of the winners removed here (models/intermediate/plausibility/int_plausibility_repeated_keys.sql)
create or replace table {{ sibling(this.identifier ~ '__touched_agree_keys') }} as
select distinct agree_key from {{ this }} where service_id in (select service_id from {{ touched_services_relation(this) }});
delete from {{ this }} where service_id in (select service_id from {{ touched_services_relation(this) }})
{% else %}
{{ every_row_replaced() }}
{% endif %}
{% endmacro %}

{#
  int_services (incremental on DuckDB): its rows depend on the services of one person hash, except the numbering
  of shared ids, over every shared key (models/intermediate/int_services.sql). The touched hashes: those of the
  touched services' keys now, their ids before (an id >= 0 is the hash), and every hash that was shared (an
  id < 0: the hash of the key now; a shared hash whose every key changed has no service left). A hash shared
  now was shared before or has a touched key. Every service of a touched hash is recomputed.
#}
{# a relation beside this model's, in its schema (the helper tables of an incremental build): a relation object,
   which renders as its name in SQL and can be given to delta_helpers_exist #}
{% macro sibling(identifier) -%}
{{ return(this.incorporate(path={"identifier": identifier})) }}
{%- endmacro %}

{% macro touched_persons_relation() -%}
{{ return(sibling(this.identifier ~ '__touched_persons')) }}
{%- endmacro %}

{% macro touched_person_services_relation() -%}
{{ return(sibling(this.identifier ~ '__touched_services')) }}
{%- endmacro %}

{% macro mark_touched_persons() %}
{% if build_delta_given() %}
{% set bits = person_id_bits() %}
{% set winners = ref('stg_lake__beneficiaries') %}
{% set touched = touched_services_relation(winners) %}
create or replace table {{ touched_persons_relation() }} as
select {{ person_hash('s.person_key', bits) }} as person_hash
from {{ winners }} as s
where s.service_id in (select service_id from {{ touched }})
union
select i.person_id
from {{ this }} as i
where i.person_id >= 0 and i.service_id in (select service_id from {{ touched }})
union
select {{ person_hash('s.person_key', bits) }}
from {{ this }} as i
inner join {{ winners }} as s on s.service_id = i.service_id
where i.person_id < 0;
-- the services of the touched hashes, from this table's integer ids rather than by hashing every winner's key
-- again (on a copy of a scale-10 build: 0.24 s against 0.60 s): a kept service's id is its key's hash when it
-- is >= 0, and every shared (< 0) id's hash is touched (above); the services decided again are added as they
-- are. This table holds one row per winning service of the last build, so these are the winners whose key
-- hashes into a touched hash (the same set as before, checked on that copy), plus the touched services that no
-- longer win, which the model's scope drops (it reads the winners).
create or replace table {{ touched_person_services_relation() }} as
select service_id
from {{ this }}
where person_id < 0 or person_id in (select person_hash from {{ touched_persons_relation() }})
union
select service_id from {{ touched }};
-- the rows recomputed, as they were: int_person_periods subtracts their persons' old groups
-- (macros/incremental_person_counts.sql)
create or replace table {{ sibling('int_services__touched_removed') }} as
select *
from {{ this }}
where service_id in (select service_id from {{ touched_person_services_relation() }});
delete from {{ this }}
where service_id in (select service_id from {{ sibling('int_services__touched_removed') }})
{% else %}
{{ every_row_replaced() }}
{% endif %}
{% endmacro %}

{#- The width of person ids (int_services): the var person_id_bits (unit tests), else REVIEW_PERSON_ID_BITS (a
    test hook: tests/test_incremental.py narrows it so that keys share ids), else 63. -#}
{% macro person_id_bits() -%}
{{ return(var('person_id_bits', env_var('REVIEW_PERSON_ID_BITS', '63')) | int) }}
{%- endmacro %}

{#- the tail of the incremental models' pre-hooks when the build is not given a delta: an existing table loses
    every row (the model then appends them all again); a first build has nothing to delete -#}
{% macro every_row_replaced() -%}
{% if is_incremental() %}delete from {{ this }}{% else %}select 1{% endif %}
{%- endmacro %}

{#- true when stg_lake__beneficiaries was built from a delta in this build: it left the helper table
    `stg_lake__beneficiaries<suffix>` (__touched: the services decided again; __touched_agree_keys: the keys of the
    winners it removed). The models kept by service or by agree key are then recomputed in part. -#}
{% macro winners_delta_given(suffix) %}
{{ return(delta_build() and delta_helpers_exist([winners_helper(suffix)])) }}
{% endmacro %}

{% macro winners_helper(suffix) -%}
{% set winners = ref('stg_lake__beneficiaries') %}
{{ return(winners.incorporate(path={"identifier": winners.identifier ~ suffix})) }}
{%- endmacro %}

{#- true when dbt executes (not parses) an incremental build on DuckDB given a delta. Callers test it before naming
    a helper table (`delta_build() and delta_helpers_exist(...)`: Jinja's `and` stops at the first false), as
    `this` and refs of other models are not there at parse time nor in unit tests. -#}
{% macro delta_build() %}
{{ return(execute and target.type == 'duckdb' and build_delta_given()) }}
{% endmacro %}

{#- true when every helper table of `relations` (relation objects: sibling(), winners_helper()) exists: the models
    that leave them were recomputed in part in this build (a delta given alone does not say so: a model is rebuilt
    whole when its basis changed). One query for all. The helper tables are dropped when a build passes
    (pipelines/build_file.py finish_build). -#}
{% macro delta_helpers_exist(relations) %}
{% set wanted = [] %}
{% for r in relations %}
    {% do wanted.append("(database_name = '" ~ r.database ~ "' and schema_name = '" ~ r.schema ~ "' and table_name = '" ~ r.identifier ~ "')") %}
{% endfor %}
{% set found = run_query("select count(*) from duckdb_tables() where " ~ wanted | join(" or ")).columns[0].values()[0] | int %}
{{ return(found == relations | length) }}
{% endmacro %}

{#- int_plausibility_repeated_keys: true when stg_lake__beneficiaries was built from a delta in this build (it left
    the keys of the winners it removed) -#}
{% macro agree_keys_delta_given() %}
{{ return(winners_delta_given('__touched_agree_keys')) }}
{% endmacro %}

{# pre-hook of int_superseded_service_rows: the touched services (stg_lake__beneficiaries' pre-hook), whose
   superseded rows are deleted (the model counts them again); kept under this model's name too, which says in the
   log that it was recomputed in part (pipelines/build_file.py finish_build) #}
{% macro mark_touched_superseded() %}
{% if winners_delta_given('__touched') %}
{% set winners = ref('stg_lake__beneficiaries') %}
create or replace table {{ sibling(this.identifier ~ '__touched') }} as
select service_id from {{ touched_services_relation(winners) }};
delete from {{ this }} where service_id in (select service_id from {{ sibling(this.identifier ~ '__touched') }})
{% else %}
{{ every_row_replaced() }}
{% endif %}
{% endmacro %}

{# pre-hook of int_plausibility_repeated_keys: the touched keys (of the winners removed and of those decided
   again), and their rows deleted (the model counts them again) #}
{% macro mark_touched_agree_keys() %}
{% if agree_keys_delta_given() %}
{% set winners = ref('stg_lake__beneficiaries') %}
create or replace table {{ sibling(this.identifier ~ '__touched') }} as
select agree_key from {{ winners_helper('__touched_agree_keys') }}
union
select agree_key from {{ winners }} where service_id in (select service_id from {{ touched_services_relation(winners) }});
delete from {{ this }} where agree_key in (select agree_key from {{ sibling(this.identifier ~ '__touched') }})
{% else %}
{{ every_row_replaced() }}
{% endif %}
{% endmacro %}
