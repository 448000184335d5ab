{#- An ISO 8601 text timestamp with or without an offset ('Z', '+00:00',
    '-05:00'), as naive UTC; null when it does not parse. Text without an
    offset is read as UTC. -#}
{% macro iso_to_utc(text_expression) -%}
    {{ return(adapter.dispatch('iso_to_utc', 'secfeat')(text_expression)) }}
{%- endmacro %}

{% macro default__iso_to_utc(text_expression) -%}
    convert_timezone('UTC', try_to_timestamp_tz({{ text_expression }}))::timestamp_ntz
{%- endmacro %}

{#- with an offset: converted to UTC; without: read as UTC, never in the session's zone -#}
{% macro duckdb__iso_to_utc(text_expression) -%}
    case
        when regexp_matches(
            {{ text_expression }}, '[0-9]:[0-9]{2}(:[0-9]{2}([.,][0-9]*)?)? *([zZ]|[+-][0-9]{2}(:?[0-9]{2})?)$'
        )
            then timezone('UTC', try_cast({{ text_expression }} as timestamptz))
        else try_cast({{ text_expression }} as timestamp)
    end
{%- endmacro %}
