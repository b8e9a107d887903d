-- The project <-> strategy point bridge: one row per project and point in its strategy_points.
-- (strategy_points is normalised at ingest to sorted integers joined by ';'.)
select p.project_code, sp.strategy_point
from {{ ref('stg_lake__projects') }} as p
inner join {{ ref('strategy_points') }} as sp
    on (';' || p.strategy_points || ';') like ('%;' || cast(sp.strategy_point as {{ type_varchar() }}) || ';%')
