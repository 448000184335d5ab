{#- The time entity-latest features are computed as of: var as_of, else now (UTC). -#}
{% macro as_of_timestamp() -%}
    {%- if var('as_of') is not none -%}
        cast('{{ var("as_of") }}' as timestamp)
    {%- else -%}
        {{ secfeat.current_utc_timestamp() }}
    {%- endif -%}
{%- endmacro %}
