{#- dbt-spark's column comment in a view's DDL, cut to what a Hive metastore
    stores (COLUMNS_V2.COMMENT is 256 characters): a longer one fails the
    metastore's insert, which it retries for 20 seconds first. The whole
    description stays in dbt docs. -#}
{% macro get_column_comment_sql(column_name, column_dict) -%}
    {%- set column_comment_clause = '' -%}
    {%- if column_name in column_dict and column_dict[column_name]["description"] -%}
        {%- set description = column_dict[column_name]["description"] | replace('\n', ' ') -%}
        {%- if description | length > 256 -%}
            {%- set description = description[:253] ~ '...' -%}
        {%- endif -%}
        {%- set column_comment_clause = "comment '" ~ (description | replace("\\", "\\\\") | replace("'", "\\'")) ~ "'" -%}
    {%- endif -%}
    {{ adapter.quote(column_name) }} {{ column_comment_clause }}
{%- endmacro %}
