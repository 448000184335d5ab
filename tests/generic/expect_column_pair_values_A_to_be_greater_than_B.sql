{#- dbt-expectations' test of the same name and arguments. -#}
{% test expect_column_pair_values_A_to_be_greater_than_B(model, column_A, column_B, or_equal=false, row_condition=none) %}
{%- set operator = '>=' if or_equal else '>' -%}
select *
from {{ model }}
where
    not ({{ column_A }} {{ operator }} {{ column_B }})
    {%- if row_condition %} and ({{ row_condition }}){% endif %}
{% endtest %}
