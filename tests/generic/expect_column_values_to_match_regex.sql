{#- dbt-expectations' test of the same name and arguments (regex is matched
    anywhere in the value unless anchored, as there). -#}
{% test expect_column_values_to_match_regex(model, column_name, regex, row_condition=none) %}
select *
from {{ model }}
where
    not regexp_matches({{ column_name }}, '{{ regex }}')
    {%- if row_condition %} and ({{ row_condition }}){% endif %}
{% endtest %}
