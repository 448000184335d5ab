{#- dbt-expectations' test of the same name and arguments: swap in
    dbt_expectations.expect_column_values_to_be_between where the hub is reachable. -#}
{% test expect_column_values_to_be_between(model, column_name, min_value=none, max_value=none, row_condition=none, strictly=false) %}
{%- if min_value is none and max_value is none -%}
    {{ exceptions.raise_compiler_error("expect_column_values_to_be_between needs min_value or max_value") }}
{%- endif -%}
{%- set lower = '>' if strictly else '>=' -%}
{%- set upper = '<' if strictly else '<=' -%}
select *
from {{ model }}
where
    {%- if row_condition %} ({{ row_condition }}) and {% endif %}
    not (
        {{ column_name }} is not null
        {%- if min_value is not none %} and {{ column_name }} {{ lower }} {{ min_value }}{% endif %}
        {%- if max_value is not none %} and {{ column_name }} {{ upper }} {{ max_value }}{% endif %}
    )
{% endtest %}
