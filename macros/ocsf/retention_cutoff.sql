{#- With var retention_days set, the oldest time raw-derived rows are kept
    from: that many days before the build's reference time, var as_of when set,
    else when the build started (one cutoff for every model of a build). None
    when retention_days is null: everything is kept. -#}
{% macro retention_cutoff() -%}
    {%- set days = var('retention_days') -%}
    {%- if days is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if days is not integer or days < 1 -%}
        {{ exceptions.raise_compiler_error(
            "var retention_days must be a whole number of days (1 or more), or null to keep everything; got "
            ~ days) }}
    {%- endif -%}
    {%- set reference = secfeat.build_started_at() if var('as_of') is none
        else "cast('" ~ var('as_of') ~ "' as timestamp)" -%}
    {{ return('(' ~ reference ~ " - interval '" ~ days ~ " days')") }}
{%- endmacro %}
