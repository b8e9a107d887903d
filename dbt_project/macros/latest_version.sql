{#-
  delivered_rows: the valid rows of one kind in the files of the current refresh (every version), with
  the name of the file they came from. Rows are joined through the manifest, which also attaches the
  file name: the same content delivered under two names is two deliveries.
-#}
{% macro delivered_rows(kind, columns) %}
select f.file_name, r.row_number, {% for c in columns %}r.{{ c }}{% if not loop.last %}, {% endif %}{% endfor %}
from {{ source('lake', kind) }} as r
inner join {{ source('lake', kind ~ '_files') }} as f
    on f.cache_key = r.cache_key and f.status = 'loaded'
{% endmacro %}

{#-
  latest_version: the re-delivery rule (extracts.md). Among valid rows with the same key, the row with
  the latest extracted_at wins; on a tie, the row from the file whose name sorts last, then the later
  row in that file.
-#}
{% macro latest_version(relation, key_columns, columns) %}
select file_name, row_number, versions_delivered, {{ columns | join(', ') }}
from (
    select
        d.*,
        row_number() over (
            partition by {{ key_columns | join(', ') }}
            order by extracted_at desc, file_name desc, row_number desc
        ) as version_rank,
        count(*) over (partition by {{ key_columns | join(', ') }}) as versions_delivered
    from {{ relation }} as d
) as ranked
where version_rank = 1
{% endmacro %}
