-- The indicator catalogue as analysts read it.
select indicator_code, strategy_point, name, definition, unit, window_rule, measure,
       project_point, activity_type, service_type, reached_point, share_attribute, share_value, has_breakdown
from {{ ref('indicator_catalogue') }}
