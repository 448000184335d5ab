{#- Now, as a naive UTC timestamp. -#}
{% macro current_utc_timestamp() -%}
    {{ return(adapter.dispatch('current_utc_timestamp', 'secfeat')()) }}
{%- endmacro %}

{% macro default__current_utc_timestamp() -%}
    cast({{ dbt.current_timestamp() }} as timestamp)
{%- endmacro %}

{% macro duckdb__current_utc_timestamp() -%}
    timezone('UTC', now())
{%- endmacro %}
