{#- Marks a CTE that a macro reads several times as inlined at each read:
    DuckDB otherwise materializes such a CTE whole, so the filters of each
    read (a load time, an entity's span) never reach the table scans. Engines
    that always inline CTEs need nothing. Use: `name as {{ secfeat.not_materialized() }} (...)`. -#}
{% macro not_materialized() -%}
    {{ return(adapter.dispatch('not_materialized', 'secfeat')()) }}
{%- endmacro %}

{% macro default__not_materialized() -%}
{%- endmacro %}

{% macro duckdb__not_materialized() -%}
    not materialized
{%- endmacro %}
