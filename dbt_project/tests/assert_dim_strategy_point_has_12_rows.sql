-- dim_strategy_point must hold exactly the 12 points of the strategy.
-- Returns a row (= failure) when the row count is not 12.
select count(*) as n_rows
from {{ ref('dim_strategy_point') }}
having count(*) <> 12
