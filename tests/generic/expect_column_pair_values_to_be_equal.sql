{#- dbt-expectations' test of the same name and arguments. -#}
{% test expect_column_pair_values_to_be_equal(model, column_A, column_B, row_condition=none) %}
select *
from {{ model }}
where
    not ({{ column_A }} = {{ column_B }})
    {%- if row_condition %} and ({{ row_condition }}){% endif %}
{% endtest %}
