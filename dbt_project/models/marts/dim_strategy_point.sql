-- The 12 points of the strategy (Annex to MC/2216), one row each.
select
    cast(strategy_point as integer) as strategy_point,
    cast(short_name as {{ type_varchar() }})     as short_name,
    cast(text as {{ type_varchar() }})           as text
from {{ ref('strategy_points') }}
