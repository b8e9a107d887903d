{#-
  Money is exact (issue 12): amounts arrive from the lake as DECIMAL(28, 6) (schemas/_checks.py, MONEY),
  are summed as decimals (the sum of a DECIMAL(28, 6) is a DECIMAL(38, 6) on DuckDB and on Spark, exact
  for up to 10^10 rows), and become DOUBLE only in the contract's DOUBLE columns (fct_* `value`). A float
  sum depends on the order of addition; a decimal sum does not, so a re-run and the other engine give the
  same bits.
-#}

{#- The type of every exact total (sums of amounts, and counts beside them). -#}
{% macro money_total_type() %}decimal(38, 6){% endmacro %}

{#- An exact decimal as the nearest DOUBLE, the same on every engine. DuckDB's direct cast rounds correctly
    (40,000 random DECIMAL(38, 6) values checked against Python); Spark's does not promise it (a decimal
    held as a long converts as unscaled / 10^scale: two roundings above 2^53 millionths, ~9e9 USD).
    Decimal text -> double is correctly rounded on both (DuckDB: fast_float; Spark: Java's
    Double.parseDouble); it is applied only to aggregated values, so it costs nothing measurable. -#}
{% macro money_to_double(expr) -%}
cast(cast({{ expr }} as {{ type_varchar() }}) as double)
{%- endmacro %}
