-- One row per re-delivered service and file: how many rows of that file are older versions of the service,
-- which lost to its winning version (extracts.md's re-delivery rule). int_provenance_counted gives them to the
-- values that count the service (`rows_superseded`). Only services delivered more than once have such rows.
--
-- A service's superseded rows, like its winner, depend only on its set of delivered versions. On DuckDB the
-- table is kept between builds (incremental, like stg_lake__beneficiaries): when the winning versions were
-- decided from a delta, only the services decided again are counted again (macros/incremental_versions.sql
-- mark_touched_superseded), reading only their rows of the lake; otherwise, and on other engines, every
-- delivered row is read. Counting them in int_provenance_counted from every delivered row took 2.8 s of a +1%
-- refresh at scale 10 (docs/performance.md).
--
-- Scheduled after the person counts (the `depends_on` below, where int_provenance_counted counted them before):
-- in a full build its read of every delivered row ran beside int_services at scale 30, and both ran out of DuckDB's
-- default 1000MB (docs/performance.md).
-- depends_on: {{ ref('int_provenance_services_by_cell') }}
{{ config(
    materialized=('incremental' if target.type == 'duckdb' else 'table'),
    incremental_strategy='append',
    pre_hook=["{{ mark_touched_superseded() }}"],
) }}
{% set delivered = ref('stg_lake__beneficiaries_delivered') %}
{% set winners = ref('stg_lake__beneficiaries') %}
{% set in_part = winners_delta_given('__touched') %}
-- In part, both sides are materialised first (DuckDB's `as materialized`; in_part is only ever true on DuckDB):
-- planned as one query, DuckDB joined every delivered row with every re-delivered winner before the semi-joins
-- that keep the touched ones (6.8 s in the second scale-30 +1% refresh, which found no superseded row; replayed on
-- that build: 6.8 s as one query, 0.12 s materialised).
with decided as {% if in_part %}materialized {% endif %}(
    select service_id, file_name, row_number
    from {{ delivered }}
    {% if in_part %}where service_id in (select service_id from {{ sibling(this.identifier ~ '__touched') }}){% endif %}
),
redelivered as {% if in_part %}materialized {% endif %}(
    select service_id, file_name, row_number
    from {{ winners }}
    where versions_delivered > 1
    {% if in_part %}and service_id in (select service_id from {{ sibling(this.identifier ~ '__touched') }}){% endif %}
)
select d.service_id, d.file_name, cast(count(*) as bigint) as rows_superseded
from decided as d
inner join redelivered as w on w.service_id = d.service_id
where not (d.file_name = w.file_name and d.row_number = w.row_number)
group by d.service_id, d.file_name
