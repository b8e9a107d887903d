{#- `unique`, over the rows this build wrote when the model kept the others (an incremental build on DuckDB,
    macros/incremental_versions.sql): the kept rows held each key once when the last build passed (this test,
    over every row or over that build's rows, was part of it), and every row this build wrote has its key in
    `changed`, the helper table (beside the model, dropped before the build is published) in which the model's
    pre-hook listed the keys it decided again. So a key held twice is one of those, and looking up only them
    finds every duplicate; at scale 30 the whole check of 50M service ids took 10 s of a +1% refresh.
    Without that table in this build (a full build, dbt run by hand, another engine): over every row. -#}
{% test unique_since_last_build(model, column_name, changed) %}
{% set restricted = false %}
{% if execute and target.type == 'duckdb' and env_var('REVIEW_BUILD_DELTA', '') != '' %}
    {% set found = run_query(
        "select count(*) from duckdb_tables() where database_name = '" ~ model.database ~ "' and schema_name = '"
        ~ model.schema ~ "' and table_name = '" ~ changed ~ "'"
    ).columns[0].values()[0] | int %}
    {% set restricted = found == 1 %}
{% endif %}
select {{ column_name }} as unique_field, count(*) as n_records
from {{ model }}
where {{ column_name }} is not null
{% if restricted %}
    and {{ column_name }} in (select {{ column_name }} from {{ model.incorporate(path={"identifier": changed}) }})
{% endif %}
group by {{ column_name }}
having count(*) > 1
{% endtest %}
