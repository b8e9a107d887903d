-- Every number that differs between a published edition and the current build, with its cause where it
-- can be known. Compared: the edition's published numbers (suppressed ones are not compared: the edition
-- does not hold them) with the current build's exact numbers, per table, indicator, period, dimension,
-- value and measure. A breakdown row that does not exist is 0; in the other tables it is missing.
--
-- Causes (several may apply, joined by '; '), from the edition's manifest and the current build:
--   'late or re-delivered source rows'  the set of loaded files (by SHA-256) of a kind that feeds the
--                                       indicator differs (a new, re-delivered or withdrawn delivery)
--   'rejected rows since fixed'         a file of such a kind, rejected then or with more rejected rows
--                                       then, is loaded now (same file name)
--   'rule change'                       the models or the indicator catalogue differ (rule version)
--   'unknown'                           none of these
{% set editions = env_var("REVIEW_EDITIONS_DIR", "data/editions") %}
with edition_meta as (
    select edition, rule_version
    from {{ parquet_files(editions ~ '/*/meta.parquet') }}
),

edition_sources as (
    select edition, kind, file_name, status, sha256, rows_rejected
    from {{ parquet_files(editions ~ '/*/sources.parquet') }}
),

current_sources as (
    select kind, file_name, status, sha256, rows_rejected from {{ ref('source_files') }}
),

kinds as (
    {{ string_rows(['projects', 'expenditures', 'beneficiaries'], 'kind') }}
),

source_changes as (
    {{ restatement_source_changes() }}
),

-- which kinds of extract feed which indicator
feeds as (
    select d.indicator_code, k.kind
    from {{ ref('dim_indicator') }} as d
    cross join kinds as k
    where case k.kind
        when 'beneficiaries' then d.measure in ('persons', 'records', 'person_share', 'countries_of_service', 'destination_countries')
        when 'projects' then d.measure in ('projects_active', 'projects_started', 'budget_started', 'expenditure')
            or d.reached_point is not null
        when 'expenditures' then d.measure = 'expenditure'
    end
),

current_long as (
    {% for m in ['value', 'numerator', 'denominator'] %}
    select 'fct_indicator_values' as table_name, indicator_code, cast(year as {{ type_varchar() }}) as period,
           cast(null as {{ type_varchar() }}) as dimension, cast(null as {{ type_varchar() }}) as dimension_value, '{{ m }}' as measure,
           cast({{ m }} as double) as value, unit
    from {{ ref('fct_indicator_values') }}
    {% if m != 'value' %}where unit = 'percent'{% endif %}
    union all
    {% endfor %}
    {% for m in ['value', 'numerator', 'denominator', 'yearly_mean', 'first_year_value', 'last_year_value', 'change_pct'] %}
    select 'fct_indicator_window', indicator_code, cast(window_start as {{ type_varchar() }}) || '-' || cast(window_end as {{ type_varchar() }}),
           null, null, '{{ m }}', cast({{ m }} as double), unit
    from {{ ref('fct_indicator_window') }}
    {% if m in ('numerator', 'denominator') %}where unit = 'percent'{% endif %}
    union all
    {% endfor %}
    select 'fct_indicator_breakdown', indicator_code, period, dimension, dimension_value, 'value', value, unit
    from {{ ref('fct_indicator_breakdown') }}
),

edition_numbers as (
    select * from {{ ref('edition_values') }} where dimension_value is not null or table_name <> 'fct_indicator_breakdown'
),

withheld as (  -- breakdown groups an edition withheld whole: nothing of them was published
    select distinct edition, indicator_code, period, dimension
    from {{ ref('edition_values') }}
    where table_name = 'fct_indicator_breakdown' and dimension_value is null
),

current_per_edition as (
    select m.edition, c.*
    from current_long as c
    cross join edition_meta as m
),

compared as (
    select
        coalesce(e.edition, c.edition) as edition,
        coalesce(e.table_name, c.table_name) as table_name,
        coalesce(e.indicator_code, c.indicator_code) as indicator_code,
        coalesce(e.period, c.period) as period,
        coalesce(e.dimension, c.dimension) as dimension,
        coalesce(e.dimension_value, c.dimension_value) as dimension_value,
        coalesce(e.measure, c.measure) as measure,
        coalesce(e.unit, c.unit) as unit,
        e.conf_status,
        e.edition is null as added,
        c.edition is null as removed,
        case when e.edition is null and c.table_name = 'fct_indicator_breakdown' then 0 else e.value end as edition_value,
        case when c.edition is null and e.table_name = 'fct_indicator_breakdown' then 0 else c.value end as current_value
    from edition_numbers as e
    full outer join current_per_edition as c
        on  e.edition = c.edition
        and e.table_name = c.table_name
        and e.indicator_code = c.indicator_code
        and e.period = c.period
        and e.dimension is not distinct from c.dimension
        and e.dimension_value is not distinct from c.dimension_value
        and e.measure = c.measure
),

differing as (
    select d.*
    from compared as d
    where coalesce(d.conf_status, 'F') = 'F'
      and round(d.edition_value, 6) is distinct from round(d.current_value, 6)
      and not exists (
          select 1 from withheld as w
          where w.edition = d.edition and w.indicator_code = d.indicator_code and w.period = d.period
            and w.dimension is not distinct from d.dimension
      )
),

causes as (
    select
        d.edition, d.table_name, d.indicator_code, d.period, d.dimension, d.dimension_value, d.measure,
        coalesce(bool_or(s.late_or_redelivered), false) as late,
        coalesce(bool_or(s.rejected_since_fixed), false) as fixed
    from differing as d
    left join feeds as f on f.indicator_code = d.indicator_code
    left join source_changes as s on s.edition = d.edition and s.kind = f.kind
    group by all
)

select
    d.edition,
    d.table_name,
    d.indicator_code,
    i.strategy_point,
    d.period,
    d.dimension,
    d.dimension_value,
    d.measure,
    d.edition_value,
    d.current_value,
    d.current_value - d.edition_value as difference,
    case when d.added then 'added' when d.removed then 'removed' else 'changed' end as change,
    coalesce(nullif(concat_ws('; ',
        case when c.late then 'late or re-delivered source rows' end,
        case when c.fixed then 'rejected rows since fixed' end,
        case when m.rule_version is distinct from '{{ env_var("REVIEW_RULE_VERSION", "unknown") }}' then 'rule change' end
    ), ''), 'unknown') as causes,
    d.unit
from differing as d
inner join causes as c
    on  c.edition = d.edition and c.table_name = d.table_name and c.indicator_code = d.indicator_code
    and c.period = d.period and c.dimension is not distinct from d.dimension
    and c.dimension_value is not distinct from d.dimension_value and c.measure = d.measure
left join edition_meta as m on m.edition = d.edition
left join {{ ref('dim_indicator') }} as i on i.indicator_code = d.indicator_code
