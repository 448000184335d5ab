{#- When this dbt invocation started, as a naive UTC timestamp literal: one
    value for every model of a build, later for every later build. -#}
{% macro build_started_at() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp)
{%- endmacro %}
