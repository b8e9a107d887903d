-- One row per indicator and year, for every year from the earliest to the latest year with any valid
-- service, counted expenditure or project start; a year without qualifying records reads 0 (NULL for
-- percentages).
select
    indicator_code,
    strategy_point,
    period_start as year,
    value,
    numerator,
    denominator,
    unit
from {{ ref('int_indicator_period_values') }}
where period_kind = 'year' and in_spine
