{#-
  Seeds on Spark. dbt-spark's session method substitutes seed values into the INSERT as '<value>' without
  escaping, so an empty cell loads as the string 'None' and a quote in a value breaks the statement
  (Cote d'Ivoire). This writes each value as a literal instead: NULL, a number, true/false, or a string
  with backslash escapes. Only the Spark target uses it (dispatch), and only for the seeds' reference data.
-#}
{% macro spark__load_csv_rows(model, agate_table) %}
  {% set batch_size = get_batch_size() %}
  {% set column_override = model['config'].get('column_types', {}) %}
  {% set statements = [] %}
  {% for chunk in agate_table.rows | batch(batch_size) %}
      {% set sql %}
          insert into {{ this.render() }} values
          {% for row in chunk -%}
              ({%- for col_name in agate_table.column_names -%}
                  {%- set inferred_type = adapter.convert_type(agate_table, loop.index0) -%}
                  {%- set type = column_override.get(col_name, inferred_type) -%}
                  {%- set value = row[loop.index0] -%}
                  cast({{ review_warehouse.spark_seed_literal(value) }} as {{ type }})
                  {%- if not loop.last %},{%- endif %}
              {%- endfor -%})
              {%- if not loop.last %},{%- endif %}
          {%- endfor %}
      {% endset %}
      {% do adapter.add_query(sql, abridge_sql_log=True) %}
      {% if loop.index0 == 0 %}
          {% do statements.append(sql) %}
      {% endif %}
  {% endfor %}
  {{ return(statements[0]) }}
{% endmacro %}

{% macro spark_seed_literal(value) -%}
{%- if value is none -%}null
{%- elif value is sameas true -%}true
{%- elif value is sameas false -%}false
{%- elif value is number -%}{{ value }}
{%- else -%}'{{ (value | string) | replace('\\', '\\\\') | replace("'", "\\'") }}'
{%- endif -%}
{%- endmacro %}
