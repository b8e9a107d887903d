{#- Generated from the seeds by `python -m schemas.dbt_lists` (tests/test_seeds.py checks it): do not
    edit. The seeds' lists the macros expand at compile time (dbt's Jinja reads no file): code lists
    (macros/value_codes.sql) and measures (macros/long_form.sql). -#}
{% macro seed_list(name) %}{{ return({
    "sexes": ["F", "M", "U"],
    "age_bands": ["0-17", "18-59", "60+", "unknown"],
    "case_categories": ["resettlement", "family_reunification", "labour", "humanitarian", "other"],
    "measures": [
        {"table_name": "fct_indicator_values", "measure": "value", "percent_only": false},
        {"table_name": "fct_indicator_values", "measure": "numerator", "percent_only": true},
        {"table_name": "fct_indicator_values", "measure": "denominator", "percent_only": true},
        {"table_name": "fct_indicator_window", "measure": "value", "percent_only": false},
        {"table_name": "fct_indicator_window", "measure": "numerator", "percent_only": true},
        {"table_name": "fct_indicator_window", "measure": "denominator", "percent_only": true},
        {"table_name": "fct_indicator_window", "measure": "yearly_mean", "percent_only": false},
        {"table_name": "fct_indicator_window", "measure": "first_year_value", "percent_only": false},
        {"table_name": "fct_indicator_window", "measure": "last_year_value", "percent_only": false},
        {"table_name": "fct_indicator_window", "measure": "change_pct", "percent_only": false},
        {"table_name": "fct_indicator_breakdown", "measure": "value", "percent_only": false},
    ],
}[name]) }}{% endmacro %}
