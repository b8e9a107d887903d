{#- The duplicate rules' "agree" (int_plausibility_duplicate_flags): one hash of the person (person_key),
    service type, service date and country of service, kept on each winning service by stg_lake__beneficiaries,
    computed once per new row there (incremental) instead of twice per build over every row in the rule's model
    (most of its time: ~11 of ~35 s of thread time at scale 30). Services with the same hash are compared field
    by field before anything is flagged. `prefix` qualifies the columns ('v.'). -#}
{% macro service_agree_key(prefix='') -%}
{{ hash_key(prefix ~ 'person_key', prefix ~ "service_type || '|' || cast(" ~ prefix ~ "service_date as " ~ type_varchar() ~ ") || '|' || " ~ prefix ~ "country_of_service") }}
{%- endmacro %}
