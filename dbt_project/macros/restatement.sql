{#-
  rpt_restatement's source_changes: per edition and kind of extract, whether the set of loaded files
  changed since the edition (late_or_redelivered) and whether a file rejected then is loaded now
  (rejected_since_fixed). Reads the CTEs edition_meta, edition_sources, current_sources and kinds.
  DuckDB: nested correlated EXISTS. Spark cannot resolve a column two subquery levels up, so there the
  same sets are computed with joins.
-#}
{% macro restatement_source_changes() %}{{ return(adapter.dispatch('restatement_source_changes', 'review_warehouse')()) }}{% endmacro %}

{% macro default__restatement_source_changes() -%}
select
        m.edition,
        k.kind,
        exists (
            select 1 from current_sources as c
            where c.kind = k.kind and c.status = 'loaded' and not exists (
                select 1 from edition_sources as s
                where s.edition = m.edition and s.kind = c.kind and s.status = 'loaded' and s.sha256 = c.sha256
            )
        ) or exists (
            select 1 from edition_sources as s
            where s.edition = m.edition and s.kind = k.kind and s.status = 'loaded' and not exists (
                select 1 from current_sources as c
                where c.kind = s.kind and c.status = 'loaded' and c.sha256 = s.sha256
            )
        ) as late_or_redelivered,
        exists (
            select 1 from edition_sources as s
            inner join current_sources as c on c.kind = s.kind and c.file_name = s.file_name
            where s.edition = m.edition and s.kind = k.kind and c.status = 'loaded'
              and (s.status = 'rejected' or c.rows_rejected < s.rows_rejected)
        ) as rejected_since_fixed
    from edition_meta as m
    cross join kinds as k
{%- endmacro %}

{% macro spark__restatement_source_changes() -%}
select
        m.edition,
        k.kind,
        coalesce(n.late_or_redelivered, false) as late_or_redelivered,
        coalesce(f.rejected_since_fixed, false) as rejected_since_fixed
    from edition_meta as m
    cross join kinds as k
    left join (
        -- a file loaded now that the edition did not load, or one the edition loaded that is not loaded now
        select edition, kind, true as late_or_redelivered
        from (
            select m2.edition, c.kind
            from edition_meta as m2
            cross join (select distinct kind, sha256 from current_sources where status = 'loaded') as c
            left anti join (select distinct edition, kind, sha256 from edition_sources where status = 'loaded') as s
                on s.edition = m2.edition and s.kind = c.kind and s.sha256 = c.sha256
            union all
            select s.edition, s.kind
            from (select distinct edition, kind, sha256 from edition_sources where status = 'loaded') as s
            left anti join (select distinct kind, sha256 from current_sources where status = 'loaded') as c
                on c.kind = s.kind and c.sha256 = s.sha256
        ) as changed
        group by edition, kind
    ) as n on n.edition = m.edition and n.kind = k.kind
    left join (
        select s.edition, s.kind, true as rejected_since_fixed
        from edition_sources as s
        inner join current_sources as c on c.kind = s.kind and c.file_name = s.file_name
        where c.status = 'loaded' and (s.status = 'rejected' or c.rows_rejected < s.rows_rejected)
        group by s.edition, s.kind
    ) as f on f.edition = m.edition and f.kind = k.kind
{%- endmacro %}
