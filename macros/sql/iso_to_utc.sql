{#- An ISO 8601 text timestamp with or without an offset ('Z', '+00:00',
    '-05:00'), as naive UTC; null when it does not parse. Text without an
    offset is read as UTC. -#}
{% macro iso_to_utc(text_expression) -%}
    {{ return(adapter.dispatch('iso_to_utc', 'secfeat')(text_expression)) }}
{%- endmacro %}

{% macro default__iso_to_utc(text_expression) -%}
    convert_timezone('UTC', try_to_timestamp_tz({{ text_expression }}))::timestamp_ntz
{%- endmacro %}

{% macro duckdb__iso_to_utc(text_expression) -%}
    timezone('UTC', try_cast({{ text_expression }} as timestamptz))
{%- endmacro %}
