{#- A naive local timestamp read in `zone`, returned as naive UTC. -#}
{% macro local_to_utc(timestamp_expression, zone) -%}
    {{ return(adapter.dispatch('local_to_utc', 'secfeat')(timestamp_expression, zone)) }}
{%- endmacro %}

{% macro default__local_to_utc(timestamp_expression, zone) -%}
    convert_timezone('{{ zone }}', 'UTC', {{ timestamp_expression }})
{%- endmacro %}

{% macro duckdb__local_to_utc(timestamp_expression, zone) -%}
    timezone('UTC', timezone('{{ zone }}', {{ timestamp_expression }}))
{%- endmacro %}
