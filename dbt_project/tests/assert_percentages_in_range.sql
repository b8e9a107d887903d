-- Percentages are 0..100 and NULL exactly when the denominator is 0.
select indicator_code, year, value, numerator, denominator
from {{ ref('fct_indicator_values') }}
where unit = 'percent'
  and (value < 0 or value > 100 or (denominator = 0) <> (value is null) or numerator > denominator)
