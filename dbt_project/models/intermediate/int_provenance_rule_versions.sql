-- Per indicator, the version of the rule that computes it: a digest of its own row of the indicator
-- catalogue and of the code its values are computed by (the SQL of every model upstream of
-- fct_indicator_values / _window / _breakdown, every macro file, and the other seeds they read; not
-- the yml documentation, not the catalogue's other rows). Frozen with each edition
-- (rule_versions.parquet) so that rpt_restatement says 'rule change' only when that indicator's rule
-- changed.
{%- set ns = namespace(code_digest='') -%}
{%- if execute -%}
    {#- a namespace: a plain `set` inside a for loop does not outlive the iteration in Jinja -#}
    {%- set walk = namespace(todo=['model.review_warehouse.fct_indicator_values',
                                   'model.review_warehouse.fct_indicator_window',
                                   'model.review_warehouse.fct_indicator_breakdown']) -%}
    {%- set seen = [] -%}
    {%- for _ in range(30) -%}
        {%- for uid in walk.todo -%}
            {%- if uid not in seen -%}{%- do seen.append(uid) -%}{%- endif -%}
        {%- endfor -%}
        {%- set next = [] -%}
        {%- for uid in walk.todo -%}
            {%- set node = graph.nodes.get(uid) -%}
            {%- if node is not none -%}
                {%- for dep in node.depends_on.nodes -%}
                    {%- if dep not in seen and dep not in next -%}{%- do next.append(dep) -%}{%- endif -%}
                {%- endfor -%}
            {%- endif -%}
        {%- endfor -%}
        {%- set walk.todo = next -%}
    {%- endfor -%}
    {%- set parts = [] -%}
    {%- for uid in seen | sort -%}
        {%- set node = graph.nodes.get(uid) -%}
        {%- if node is not none and uid != 'seed.review_warehouse.indicator_catalogue' -%}
            {%- do parts.append(uid ~ ':' ~ node.checksum.checksum) -%}
        {%- endif -%}
    {%- endfor -%}
    {#- dbt's graph holds no macro text: the macros count through a digest of every macro file, which the
        refresh computes (pipelines.publication.editions.macros_digest) and passes as REVIEW_MACROS_DIGEST.
        So any macro change counts as a rule change of every indicator: conservative, never silent. -#}
    {%- do parts.append('macros:' ~ env_var('REVIEW_MACROS_DIGEST', 'unknown')) -%}
    {%- set ns.code_digest = local_md5(parts | join('\n')) -%}
{%- endif %}
select
    indicator_code,
    substr(md5(
        coalesce(cast(indicator_code as {{ type_varchar() }}), '') || '|' ||
        coalesce(cast(strategy_point as {{ type_varchar() }}), '') || '|' ||
        coalesce(cast(name as {{ type_varchar() }}), '') || '|' ||
        coalesce(cast(definition as {{ type_varchar() }}), '') || '|' ||
        coalesce(cast(unit as {{ type_varchar() }}), '') || '|' ||
        coalesce(cast(window_rule as {{ type_varchar() }}), '') || '|' ||
        coalesce(cast(measure as {{ type_varchar() }}), '') || '|' ||
        coalesce(cast(project_point as {{ type_varchar() }}), '') || '|' ||
        coalesce(cast(activity_type as {{ type_varchar() }}), '') || '|' ||
        coalesce(cast(service_type as {{ type_varchar() }}), '') || '|' ||
        coalesce(cast(reached_point as {{ type_varchar() }}), '') || '|' ||
        coalesce(cast(share_attribute as {{ type_varchar() }}), '') || '|' ||
        coalesce(cast(share_value as {{ type_varchar() }}), '') || '|' ||
        coalesce(cast(has_breakdown as {{ type_varchar() }}), '')
        || '|{{ ns.code_digest }}'), 1, 16) as rule_version,
    '{{ ns.code_digest[:16] }}' as code_digest
from {{ ref('indicator_catalogue') }}
