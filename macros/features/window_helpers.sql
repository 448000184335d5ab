{#- A window length such as '24 hours' or '7 days' in microseconds, the unit
    rolling_window orders events by (exact for microsecond timestamps). -#}
{% macro window_microseconds(window) -%}
    {%- set units = {
        'second': 1000000, 'seconds': 1000000,
        'minute': 60000000, 'minutes': 60000000,
        'hour': 3600000000, 'hours': 3600000000,
        'day': 86400000000, 'days': 86400000000,
    } -%}
    {%- set parts = (window | string | trim | lower).split() -%}
    {%- if parts | length != 2 or not parts[0].isdigit() or parts[1] not in units or parts[0] | int < 1 -%}
        {{ exceptions.raise_compiler_error(
            "window '" ~ window ~ "' is not '<n> seconds|minutes|hours|days' with n >= 1"
        ) }}
    {%- endif -%}
    {{ return(parts[0] | int * units[parts[1]]) }}
{%- endmacro %}


{% macro longest_window_microseconds(features) -%}
    {%- set lengths = [] -%}
    {%- for feature in features -%}
        {%- do lengths.append(secfeat.window_microseconds(feature.window)) -%}
    {%- endfor -%}
    {{ return(lengths | max) }}
{%- endmacro %}


{#- Microseconds since the Unix epoch of a UTC timestamp. -#}
{% macro epoch_microseconds(timestamp_expression) -%}
    {{ return(adapter.dispatch('epoch_microseconds', 'secfeat')(timestamp_expression)) }}
{%- endmacro %}

{% macro default__epoch_microseconds(timestamp_expression) -%}
    cast(extract(epoch from {{ timestamp_expression }}) * 1000000 as bigint)
{%- endmacro %}

{% macro duckdb__epoch_microseconds(timestamp_expression) -%}
    epoch_us({{ timestamp_expression }})
{%- endmacro %}

{% macro snowflake__epoch_microseconds(timestamp_expression) -%}
    date_part(epoch_microsecond, {{ timestamp_expression }})
{%- endmacro %}

{% macro spark__epoch_microseconds(timestamp_expression) -%}
    unix_micros({{ timestamp_expression }})
{%- endmacro %}


{#- The time entity-latest features are computed as of: var as_of, else now (UTC). -#}
{% macro as_of_timestamp() -%}
    {%- if var('as_of') is not none -%}
        cast('{{ var("as_of") }}' as timestamp)
    {%- else -%}
        {{ return(adapter.dispatch('current_utc_timestamp', 'secfeat')()) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__current_utc_timestamp() -%}
    cast({{ dbt.current_timestamp() }} as timestamp)
{%- endmacro %}

{% macro duckdb__current_utc_timestamp() -%}
    timezone('UTC', now())
{%- endmacro %}


{#- Whether a string matches a regular expression (case-insensitive). -#}
{% macro matches_pattern(expression, pattern) -%}
    {{ return(adapter.dispatch('matches_pattern', 'secfeat')(expression, pattern)) }}
{%- endmacro %}

{% macro default__matches_pattern(expression, pattern) -%}
    regexp_like({{ expression }}, '{{ pattern }}', 'i')
{%- endmacro %}

{% macro duckdb__matches_pattern(expression, pattern) -%}
    regexp_matches({{ expression }}, '{{ pattern }}', 'i')
{%- endmacro %}

{% macro spark__matches_pattern(expression, pattern) -%}
    lower({{ expression }}) rlike lower('{{ pattern }}')
{%- endmacro %}
