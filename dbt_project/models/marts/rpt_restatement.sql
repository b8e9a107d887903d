-- Every number that differs between a published edition and the current build, with its cause where it
-- can be known. Compared: the edition's published numbers (suppressed ones are not compared: the edition
-- does not hold them) with the current build's exact numbers, per table, indicator, period, dimension,
-- value and measure. A breakdown row that does not exist is 0; in the other tables it is missing.
--
-- Per changed number, the source files behind its value (indicator and period) that were added,
-- removed or changed (same name, other SHA-256) since the edition, and the counted rows each moved:
-- the edition's frozen provenance (marts.edition_provenance) against the current one
-- (marts.rpt_value_provenance). `source_changes` lists them, e.g.
-- "added beneficiaries/b_2010.csv (+1 rows); changed beneficiaries/b_2007.csv (-3 rows)"; a file whose
-- content did not change but whose rows moved (they lost to, or won over, another file's version) is
-- listed as "unchanged ... (-1 rows)". A breakdown number has the files of its indicator and period.
--
-- Causes (several may apply, joined by '; '):
--   'late or re-delivered source rows'  a file behind this value was added, removed or changed since the
--                                       edition (editions frozen without provenance: the set of loaded
--                                       files of a kind that feeds the indicator differs)
--   'rejected rows since fixed'         a file behind this value now (then, for editions without
--                                       provenance: of a kind that feeds it) was rejected in the edition,
--                                       or had more rejected rows then
--   'rule change'                       the rule version of this indicator differs: its catalogue row or
--                                       the code computing it (int_provenance_rule_versions); editions
--                                       without rule versions: any model or the catalogue (global version)
--   'unknown'                           none of these
{% set editions = env_var("REVIEW_EDITIONS_DIR", "data/editions") %}{% do source("editions", "frozen") %}
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

-- editions frozen with provenance and per-indicator rule versions (pipelines/publication/provenance.py)
edition_rule_versions as (
    select edition, indicator_code, rule_version
    from {{ parquet_files(editions ~ '/*/rule_versions.parquet') }}
),

editions_with_provenance as (
    select distinct edition from edition_rule_versions
),

edition_files as (
    select edition, indicator_code, period, kind, file_name, sha256, row_count
    from {{ ref('edition_provenance') }}
    where contribution = 'counted'
),

current_files as (
    select e.edition, p.indicator_code, p.period, p.kind, p.file_name, p.sha256, p.row_count
    from {{ ref('rpt_value_provenance') }} as p
    cross join editions_with_provenance as e
    where p.contribution = 'counted'
),

value_files as (
    select
        coalesce(c.edition, e.edition) as edition,
        coalesce(c.indicator_code, e.indicator_code) as indicator_code,
        coalesce(c.period, e.period) as period,
        coalesce(c.kind, e.kind) as kind,
        coalesce(c.file_name, e.file_name) as file_name,
        case when e.file_name is null then 'added' when c.file_name is null then 'removed'
             when c.sha256 is distinct from e.sha256 then 'changed' else 'unchanged' end as file_change,
        coalesce(c.row_count, 0) - coalesce(e.row_count, 0) as rows_moved,
        c.file_name is not null as behind_now
    from current_files as c
    full outer join edition_files as e
        on e.edition = c.edition and e.indicator_code = c.indicator_code and e.period = c.period
       and e.kind = c.kind and e.file_name = c.file_name
),

fixed_files as (  -- files rejected in the edition, or with more rejected rows then, loaded now
    select s.edition, s.kind, s.file_name
    from edition_sources as s
    inner join current_sources as c on c.kind = s.kind and c.file_name = s.file_name
    where c.status = 'loaded' and (s.status = 'rejected' or c.rows_rejected < s.rows_rejected)
),

value_changes as (
    select
        f.edition, f.indicator_code, f.period,
        sum(case when f.file_change = 'added' then 1 else 0 end) as files_added,
        sum(case when f.file_change = 'removed' then 1 else 0 end) as files_removed,
        sum(case when f.file_change = 'changed' then 1 else 0 end) as files_changed,
        sum(f.rows_moved) as rows_moved,
        {{ sorted_list_agg("case when f.file_change <> 'unchanged' or f.rows_moved <> 0 then f.file_change || ' ' || f.kind || '/' || f.file_name || ' (' || case when f.rows_moved > 0 then '+' else '' end || cast(f.rows_moved as " ~ type_varchar() ~ ") || ' rows)' end") }} as source_changes,
        max(case when f.behind_now and x.file_name is not null then 1 else 0 end) = 1 as fixed
    from value_files as f
    left join fixed_files as x on x.edition = f.edition and x.kind = f.kind and x.file_name = f.file_name
    group by f.edition, f.indicator_code, f.period
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

current_long as (  -- one row per published number (macros/long_form.sql, seeds/measures.csv)
    {{ long_form() }}
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
        case when (case when wp.edition is null then c.late
                        else coalesce(vc.files_added + vc.files_removed + vc.files_changed, 0) > 0 end)
             then 'late or re-delivered source rows' end,
        case when (case when wp.edition is null then c.fixed else coalesce(vc.fixed, false) end)
             then 'rejected rows since fixed' end,
        case when (case when wp.edition is null
                        then m.rule_version is distinct from '{{ env_var("REVIEW_RULE_VERSION", "unknown") }}'
                        else rv.rule_version is distinct from cr.rule_version end)
             then 'rule change' end
    ), ''), 'unknown') as causes,
    d.unit,
    cast(coalesce(vc.files_added, 0) as integer) as files_added,
    cast(coalesce(vc.files_removed, 0) as integer) as files_removed,
    cast(coalesce(vc.files_changed, 0) as integer) as files_changed,
    cast(vc.rows_moved as bigint) as rows_moved,
    vc.source_changes
from differing as d
inner join causes as c
    on  c.edition = d.edition and c.table_name = d.table_name and c.indicator_code = d.indicator_code
    and c.period = d.period and c.dimension is not distinct from d.dimension
    and c.dimension_value is not distinct from d.dimension_value and c.measure = d.measure
left join edition_meta as m on m.edition = d.edition
left join editions_with_provenance as wp on wp.edition = d.edition
left join value_changes as vc on vc.edition = d.edition and vc.indicator_code = d.indicator_code and vc.period = d.period
left join edition_rule_versions as rv on rv.edition = d.edition and rv.indicator_code = d.indicator_code
left join {{ ref('int_provenance_rule_versions') }} as cr on cr.indicator_code = d.indicator_code
left join {{ ref('dim_indicator') }} as i on i.indicator_code = d.indicator_code
