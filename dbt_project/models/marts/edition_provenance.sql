-- The provenance frozen with every edition ($REVIEW_EDITIONS_DIR/<edition>/provenance.parquet, written
-- by pipelines/publication/provenance.py when the edition is published): the rows of
-- marts.rpt_value_provenance as they were when the edition was frozen. Editions frozen before provenance
-- existed have no rows here. The refresh's 0-row `_placeholder` edition keeps the glob matching.
select
    edition,
    indicator_code,
    cast(strategy_point as integer) as strategy_point,
    period,
    period_kind,
    cast(value as double) as value,
    unit,
    contribution,
    kind,
    file_name,
    sha256,
    check_name,
    cast(row_count as bigint) as row_count,
    cast(unit_count as bigint) as unit_count,
    unit_counted,
    cast(rows_superseded as bigint) as rows_superseded
from {{ parquet_files(env_var("REVIEW_EDITIONS_DIR", "data/editions") ~ "/*/provenance.parquet") }}{% do source("editions", "frozen") %}
