{#- dbt-expectations' test of the same name and arguments (regex is matched
    anywhere in the value unless anchored, as there). -#}
{% test expect_column_values_to_match_regex(model, column_name, regex, row_condition=none) %}
select *
from {{ model }}
where
    {%- if target.type == 'spark' %}
        not ({{ column_name }} rlike '{{ regex }}')
    {%- else %}
        not regexp_matches({{ column_name }}, '{{ regex }}')
    {%- endif %}
    {%- if row_condition %} and ({{ row_condition }}){% endif %}
{% endtest %}
