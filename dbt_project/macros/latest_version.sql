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
  row in that file. `versions_delivered`: how many valid rows had the key.

  Built for volume: a re-delivered key is rare (0.3% of the demo's services), so only the rows whose key
  may have been delivered more than once are ranked: those whose hash of the key (the top `bits` of a
  64-bit hash, var `version_key_bits`, default 63) is shared by several rows. They are ranked by the key
  itself, so a hash two keys share costs a ranking, never a wrong winner; the var narrows the hash so a
  unit test can make every key a candidate. All other rows pass through with versions_delivered 1. The
  window over every row and all its columns that this replaces sorted the whole payload (stg_lake__beneficiaries
  29.7 s at scale 10; 309.5 s at scale 30 at the default memory limit, spilling; docs/performance.md).
-#}
{% macro latest_version(relation, key_columns, columns) %}
{%- set bits = var('version_key_bits', 63) | int %}
{%- if bits < 1 or bits > 63 %}
    {{ exceptions.raise_compiler_error('latest_version: version_key_bits must be 1..63, not ' ~ bits) }}
{%- endif %}
{%- set key_hash = key_columns_hash(key_columns, bits) %}
{%- set d_key_hash = key_columns_hash(key_columns, bits, 'd.') %}
{%- set d_keys %}{% for k in key_columns %}d.{{ k }}{% if not loop.last %}, {% endif %}{% endfor %}{% endset %}
with candidates as (
    select {{ key_hash }} as key_hash
    from {{ relation }}
    group by {{ key_hash }}
    having count(*) > 1
)
select d.file_name, d.row_number, cast(1 as bigint) as versions_delivered, {% for c in columns %}d.{{ c }}{% if not loop.last %}, {% endif %}{% endfor %}
from {{ relation }} as d
left join candidates as c on c.key_hash = {{ d_key_hash }}
where c.key_hash is null
union all
select file_name, row_number, versions_delivered, {{ columns | join(', ') }}
from (
    select
        d.*,
        row_number() over (
            partition by {{ d_keys }}
            order by d.extracted_at desc, d.file_name desc, d.row_number desc
        ) as version_rank,
        count(*) over (partition by {{ d_keys }}) as versions_delivered
    from {{ relation }} as d
    inner join candidates as c on c.key_hash = {{ d_key_hash }}
) as ranked
where version_rank = 1
{% endmacro %}
