{#- dbt-duckdb writes every description as a COMMENT on every run, which on
    an incremental run that added a few rows costs more than the rows do.
    This writes only the comments that differ from what the table holds: all
    of them when it is created, none when nothing changed. -#}
{% macro duckdb__persist_docs(relation, model, for_relation, for_columns) -%}
    {%- set stored = {} -%}
    {%- set found = run_query(
        "select column_name, comment from duckdb_columns() where database_name = '" ~ relation.database
        ~ "' and schema_name = '" ~ relation.schema ~ "' and table_name = '" ~ relation.identifier ~ "'"
        ~ " union all select '', comment from duckdb_tables() where database_name = '" ~ relation.database
        ~ "' and schema_name = '" ~ relation.schema ~ "' and table_name = '" ~ relation.identifier ~ "'"
        ~ " union all select '', comment from duckdb_views() where database_name = '" ~ relation.database
        ~ "' and schema_name = '" ~ relation.schema ~ "' and view_name = '" ~ relation.identifier ~ "'"
    ) -%}
    {%- for row in found.rows -%}
        {%- do stored.update({row[0]: row[1] or ''}) -%}
    {%- endfor -%}
    {%- if for_relation and config.persist_relation_docs() and model.description
            and stored.get('') != model.description -%}
        {%- do run_query(alter_relation_comment(relation, model.description)) -%}
    {%- endif -%}
    {%- if for_columns and config.persist_column_docs() and model.columns -%}
        {%- set changed = {} -%}
        {%- for name, column in model.columns.items()
                if name in stored and stored[name] != (column.description or '') -%}
            {%- do changed.update({name: column}) -%}
        {%- endfor -%}
        {%- if changed -%}
            {%- do run_query(alter_column_comment(relation, changed)) -%}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
