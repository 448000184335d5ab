{#- The longest window of a feature list, in microseconds. -#}
{% macro longest_window_microseconds(features) -%}
    {%- set lengths = [] -%}
    {%- for feature in features -%}
        {%- do lengths.append(secfeat.window_microseconds(feature.window)) -%}
    {%- endfor -%}
    {{ return(lengths | max) }}
{%- endmacro %}
