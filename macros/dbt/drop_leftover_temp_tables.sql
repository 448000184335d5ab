{#- on-run-end: dbt-duckdb leaves the <model>__dbt_tmp<time> table of an
    incremental Python model behind, and a killed build leaves those of any
    model: drop them, so every build ends with only the project's tables
    (and publishes no scratch). -#}
{% macro drop_leftover_temp_tables() -%}
    {{ return(adapter.dispatch('drop_leftover_temp_tables', 'secfeat')()) }}
{%- endmacro %}

{% macro default__drop_leftover_temp_tables() -%}
    select 1
{%- endmacro %}

{% macro duckdb__drop_leftover_temp_tables() -%}
    {%- if execute -%}
        {%- set leftovers = run_query(
            "select schema_name, table_name from duckdb_tables() "
            ~ "where database_name = current_database() and contains(table_name, '__dbt_tmp')"
        ) -%}
        {%- for leftover in leftovers.rows -%}
            {%- do run_query('drop table if exists "' ~ leftover[0] ~ '"."' ~ leftover[1] ~ '"') -%}
        {%- endfor -%}
    {%- endif -%}
    select 1
{%- endmacro %}
