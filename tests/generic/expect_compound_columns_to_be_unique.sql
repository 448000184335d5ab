{#- dbt-expectations' test of the same name and arguments (ignore_row_if:
    all_values_are_missing | any_value_is_missing). -#}
{% test expect_compound_columns_to_be_unique(model, column_list, row_condition=none, ignore_row_if='all_values_are_missing') %}
{%- if ignore_row_if not in ('all_values_are_missing', 'any_value_is_missing') -%}
    {{ exceptions.raise_compiler_error("ignore_row_if must be all_values_are_missing or any_value_is_missing") }}
{%- endif -%}
{%- set joiner = ' and ' if ignore_row_if == 'all_values_are_missing' else ' or ' -%}
with considered as (
    select {{ column_list | join(', ') }}
    from {{ model }}
    where
        not ({% for column in column_list %}{{ column }} is null{% if not loop.last %}{{ joiner }}{% endif %}{% endfor %})
        {%- if row_condition %} and ({{ row_condition }}){% endif %}
)

select
    {{ column_list | join(', ') }},
    count(*) as occurrences
from considered
group by {{ column_list | join(', ') }}
having count(*) > 1
{% endtest %}
