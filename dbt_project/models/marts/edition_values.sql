-- Every published edition's numbers beside the current build: one row per published number of the
-- three fact tables of each edition frozen under $REVIEW_EDITIONS_DIR/<edition>/values.parquet
-- (pipelines/publication/editions.py), disclosure-controlled as published: a suppressed number has
-- value NULL, obs_status 'Q' and conf_status 'C' (primary) or 'D' (secondary); a withheld breakdown
-- group is one row with dimension_value NULL. The refresh writes a 0-row `_placeholder` edition so that
-- the glob always matches.
select
    edition,
    cast(published_at as {{ type_timestamptz() }}) as published_at,
    table_name,
    indicator_code,
    cast(strategy_point as integer) as strategy_point,
    period,
    dimension,
    dimension_value,
    measure,
    cast(value as double) as value,
    obs_status,
    conf_status,
    unit
from {{ parquet_files(env_var("REVIEW_EDITIONS_DIR", "data/editions") ~ "/*/values.parquet") }}{% do source("editions", "frozen") %}
