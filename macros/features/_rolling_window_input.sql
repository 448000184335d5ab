{#- What an event contributes to a feature: its expression when the filter
    holds, else null (aggregates skip nulls). -#}
{% macro _rolling_window_input(feature) -%}
    {%- set expression = feature.get('expression', '1') -%}
    {%- set filter = feature.get('filter', none) -%}
    {%- if filter is none -%}
        {{ expression }}
    {%- else -%}
        case when {{ filter }} then {{ expression }} end
    {%- endif -%}
{%- endmacro %}
