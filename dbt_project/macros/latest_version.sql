{#-
  The re-delivery rule (extracts.md): among valid rows with the same key, the row with the latest
  extracted_at wins; on a tie, the row from the file whose name sorts last, then the later row in
  that file. Rows come from the files of the current refresh only (joined through the manifest, which
  also attaches the file name: the same content delivered under two names is two deliveries).
-#}
{% macro latest_version(kind, key_columns, columns) %}
with files as (
    select file_name, cache_key
    from {{ source('lake', kind ~ '_files') }}
    where status = 'loaded'
),
delivered as (
    select f.file_name, r.row_number, {% for c in columns %}r.{{ c }}{% if not loop.last %}, {% endif %}{% endfor %}
    from {{ source('lake', kind) }} as r
    inner join files as f on f.cache_key = r.cache_key
),
ranked as (
    select
        delivered.*,
        row_number() over (
            partition by {{ key_columns | join(', ') }}
            order by extracted_at desc, file_name desc, row_number desc
        ) as version_rank,
        count(*) over (partition by {{ key_columns | join(', ') }}) as versions_delivered
    from delivered
)
select file_name, row_number, versions_delivered, {{ columns | join(', ') }}
from ranked
where version_rank = 1
{% endmacro %}
