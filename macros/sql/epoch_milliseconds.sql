{#- Milliseconds since the Unix epoch (OCSF `time`) of a UTC timestamp. -#}
{% macro epoch_milliseconds(timestamp_expression) -%}
    ({{ secfeat.epoch_microseconds(timestamp_expression) }} // 1000)
{%- endmacro %}
