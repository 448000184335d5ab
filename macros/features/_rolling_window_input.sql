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

{#- Every feature's input, as _rw_input_<n> (n from 1, in the list's order). -#}
{% macro _rolling_window_input_columns(features) -%}
    {%- for feature in features %}
        {{ secfeat._rolling_window_input(feature) }} as _rw_input_{{ loop.index }}
        {%- if not loop.last %},{% endif %}
    {%- endfor %}
{%- endmacro %}

{#- Every feature's value over the frame (t - window, t] of its entity
    (partition_columns), its rows ordered by _rw_at_us, named as the feature. -#}
{% macro _rolling_window_value_columns(features, partition_columns) -%}
    {%- for feature in features %}
        {{ secfeat.rolling_window_aggregate(feature, '_rw_input_' ~ loop.index, partition_columns, '_rw_at_us') }}
        as {{ feature.name }}
        {%- if not loop.last %},{% endif %}
    {%- endfor %}
{%- endmacro %}
