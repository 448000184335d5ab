{#- dbt-expectations' test of the same name and arguments. -#}
{% test expect_column_values_to_be_null(model, column_name, row_condition=none) %}
select *
from {{ model }}
where
    {{ column_name }} is not null
    {%- if row_condition %} and ({{ row_condition }}){% endif %}
{% endtest %}
