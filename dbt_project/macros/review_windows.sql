{#- The configured review windows (var review_windows: [[start, end], ...]) as rows. -#}
{% macro review_windows_rows() %}
{%- set windows = var('review_windows') -%}
{%- for w in windows %}
select cast({{ w[0] }} as integer) as window_start, cast({{ w[1] }} as integer) as window_end
{% if not loop.last %}union all{% endif %}
{%- endfor %}
{% endmacro %}
