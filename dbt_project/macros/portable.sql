{#-
  The engine-specific bits of the project's SQL, one dispatched macro each (issue 7: the same models on
  DuckDB and on Spark). `duckdb__` / `default__` emit exactly the SQL the models had before they became
  portable, so that DuckDB builds (and their speed) do not change; `spark__` emits Apache Spark SQL.
  Everything else in the models is SQL both engines read alike.
-#}

{#- Types. Spark has no unsized VARCHAR, no unsigned or 128-bit integers, no TIMESTAMPTZ keyword. -#}
{% macro type_varchar() %}{{ return(adapter.dispatch('type_varchar', 'review_warehouse')()) }}{% endmacro %}
{% macro default__type_varchar() %}varchar{% endmacro %}
{% macro spark__type_varchar() %}string{% endmacro %}

{#- A small non-negative code (bit sets of at most 8 bits). -#}
{% macro type_small_code() %}{{ return(adapter.dispatch('type_small_code', 'review_warehouse')()) }}{% endmacro %}
{% macro default__type_small_code() %}utinyint{% endmacro %}
{% macro spark__type_small_code() %}smallint{% endmacro %}

{#- A count that DuckDB keeps as HUGEINT (the type of sum(bigint)); Spark's sum(bigint) is a bigint. -#}
{% macro type_count_sum() %}{{ return(adapter.dispatch('type_count_sum', 'review_warehouse')()) }}{% endmacro %}
{% macro default__type_count_sum() %}hugeint{% endmacro %}
{% macro spark__type_count_sum() %}bigint{% endmacro %}

{% macro type_timestamptz() %}{{ return(adapter.dispatch('type_timestamptz', 'review_warehouse')()) }}{% endmacro %}
{% macro default__type_timestamptz() %}timestamp with time zone{% endmacro %}
{% macro spark__type_timestamptz() %}timestamp{% endmacro %}

{#- Stop the build with a message (an expression of any type; evaluated only where it is reached). -#}
{% macro stop_build(message_expr) %}{{ return(adapter.dispatch('stop_build', 'review_warehouse')(message_expr)) }}{% endmacro %}
{% macro default__stop_build(message_expr) %}error({{ message_expr }}){% endmacro %}
{% macro spark__stop_build(message_expr) %}raise_error({{ message_expr }}){% endmacro %}

{#- An integer key of two strings (a hash; collisions are checked where it is used). -#}
{% macro hash_key(a, b) %}{{ return(adapter.dispatch('hash_key', 'review_warehouse')(a, b)) }}{% endmacro %}
{% macro default__hash_key(a, b) %}hash({{ a }}, {{ b }}){% endmacro %}
{% macro spark__hash_key(a, b) %}xxhash64({{ a }}, {{ b }}){% endmacro %}

{#- A person's integer id: the top `bits` bits of a 64-bit hash of their key, a non-negative BIGINT
    (int_services; the few keys whose id another key shares are numbered apart there). -#}
{% macro person_hash(key, bits) %}{{ return(key_columns_hash([key], bits)) }}{% endmacro %}
{#- the same over the columns of a key, each prefixed (latest_version) -#}
{% macro key_columns_hash(columns, bits, prefix='') %}{{ return(adapter.dispatch('key_columns_hash', 'review_warehouse')(columns, bits, prefix)) }}{% endmacro %}
{% macro default__key_columns_hash(columns, bits, prefix) %}cast(hash({% for c in columns %}{{ prefix }}{{ c }}{% if not loop.last %}, {% endif %}{% endfor %}) >> {{ 64 - bits }} as bigint){% endmacro %}
{% macro spark__key_columns_hash(columns, bits, prefix) %}shiftrightunsigned(xxhash64({% for c in columns %}{{ prefix }}{{ c }}{% if not loop.last %}, {% endif %}{% endfor %}), {{ 64 - bits }}){% endmacro %}

{#- Bit operations on integers. -#}
{% macro shift_left(a, n) %}{{ return(adapter.dispatch('shift_left', 'review_warehouse')(a, n)) }}{% endmacro %}
{% macro default__shift_left(a, n) %}{{ a }} << {{ n }}{% endmacro %}
{% macro spark__shift_left(a, n) %}shiftleft({{ a }}, {{ n }}){% endmacro %}

{% macro shift_right(a, n) %}{{ return(adapter.dispatch('shift_right', 'review_warehouse')(a, n)) }}{% endmacro %}
{% macro default__shift_right(a, n) %}{{ a }} >> {{ n }}{% endmacro %}
{% macro spark__shift_right(a, n) %}shiftright({{ a }}, {{ n }}){% endmacro %}

{#- The exponent of a power of two, as an integer. (Spark's log2 is ln(x)/ln(2) in floating point: the bit
    count of x - 1 is exact.) -#}
{% macro log2_of_power_of_two(x) %}{{ return(adapter.dispatch('log2_of_power_of_two', 'review_warehouse')(x)) }}{% endmacro %}
{% macro default__log2_of_power_of_two(x) %}cast(log2({{ x }}) as integer){% endmacro %}
{% macro spark__log2_of_power_of_two(x) %}cast(bit_count({{ x }} - 1) as integer){% endmacro %}

{#- Integer division. -#}
{% macro int_div(a, b) %}{{ return(adapter.dispatch('int_div', 'review_warehouse')(a, b)) }}{% endmacro %}
{% macro default__int_div(a, b) %}{{ a }} // {{ b }}{% endmacro %}
{% macro spark__int_div(a, b) %}{{ a }} div {{ b }}{% endmacro %}

{#- A CTE computed once however often it is referenced (DuckDB's hint; Spark plans CTEs itself). -#}
{% macro cte_materialized() %}{{ return(adapter.dispatch('cte_materialized', 'review_warehouse')()) }}{% endmacro %}
{% macro default__cte_materialized() %}materialized {% endmacro %}
{% macro spark__cte_materialized() %}{% endmacro %}

{#- A CTE inlined wherever it is referenced: DuckDB keeps a CTE that is referenced more than once in memory,
    whole, by default; for a wide CTE over the services, scanning the table again is cheaper (issue 17). -#}
{% macro cte_not_materialized() %}{{ return(adapter.dispatch('cte_not_materialized', 'review_warehouse')()) }}{% endmacro %}
{% macro default__cte_not_materialized() %}not materialized {% endmacro %}
{% macro spark__cte_not_materialized() %}{% endmacro %}

{#- One row per integer from start to end inclusive, as a select-list item named `alias` (a set-returning
    expression: the rest of the select list is repeated for each value). -#}
{% macro integer_range_column(start_expr, end_expr, alias) %}{{ return(adapter.dispatch('integer_range_column', 'review_warehouse')(start_expr, end_expr, alias)) }}{% endmacro %}
{% macro default__integer_range_column(start_expr, end_expr, alias) %}cast(unnest(range({{ start_expr }}, {{ end_expr }} + 1)) as integer) as {{ alias }}{% endmacro %}
{% macro spark__integer_range_column(start_expr, end_expr, alias) %}explode(sequence(cast({{ start_expr }} as integer), cast({{ end_expr }} as integer))) as {{ alias }}{% endmacro %}

{#- The string matches the regular expression as a whole. -#}
{% macro regexp_full_match(string_expr, pattern) %}{{ return(adapter.dispatch('regexp_full_match', 'review_warehouse')(string_expr, pattern)) }}{% endmacro %}
{% macro default__regexp_full_match(string_expr, pattern) %}regexp_full_match({{ string_expr }}, '{{ pattern }}'){% endmacro %}
{% macro spark__regexp_full_match(string_expr, pattern) %}({{ string_expr }} rlike '^(?:{{ pattern }})$'){% endmacro %}

{#- The Parquet files matching a glob, as a relation; columns matched by name across files. -#}
{% macro parquet_files(glob) %}{{ return(adapter.dispatch('parquet_files', 'review_warehouse')(glob)) }}{% endmacro %}
{#- The glob is a path (any character, ' included): quoted as an SQL string literal. -#}
{% macro default__parquet_files(glob) %}read_parquet('{{ glob | replace("'", "''") }}', union_by_name = true){% endmacro %}
{# Spark matches columns by name across Parquet files (spark.sql.parquet.mergeSchema is set by the profile). #}
{% macro spark__parquet_files(glob) %}parquet.`{{ glob }}`{% endmacro %}

{#- A literal list of strings as a one-column relation. -#}
{% macro string_rows(values, alias) %}{{ return(adapter.dispatch('string_rows', 'review_warehouse')(values, alias)) }}{% endmacro %}
{% macro default__string_rows(values, alias) %}select unnest([{% for v in values %}'{{ v }}'{% if not loop.last %}, {% endif %}{% endfor %}]) as {{ alias }}{% endmacro %}
{% macro spark__string_rows(values, alias) %}select explode(array({% for v in values %}'{{ v }}'{% if not loop.last %}, {% endif %}{% endfor %})) as {{ alias }}{% endmacro %}
