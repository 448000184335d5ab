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
