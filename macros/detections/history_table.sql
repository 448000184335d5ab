{#- How a table that keeps its history (signals, alerts: rows are updated,
    withdrawn, never deleted) is stored per engine. The model's SQL is the
    same everywhere: `{{ config(**secfeat.history_table_config('signal_id')) }}`
    and its previous rows read from `secfeat.previous_rows()`. -#}
{% macro history_table_config(unique_key) -%}
    {{ return(adapter.dispatch('history_table_config', 'secfeat')(unique_key)) }}
{%- endmacro %}

{#- The rows a build re-evaluated, replaced by key; the others stay as they are. -#}
{% macro default__history_table_config(unique_key) -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'delete+insert',
        'unique_key': unique_key,
        'on_schema_change': 'append_new_columns',
    }) }}
{%- endmacro %}

{#- Plain Parquet has no row-level delete or merge, and Spark cannot overwrite
    a table while reading it: a pre-hook copies the table aside
    (<table>__previous), the model reads its history from the copy and
    writes every row (`rewrites_whole_table()`), and the copy is dropped
    after. -#}
{% macro spark__history_table_config(unique_key) -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'insert_overwrite',
        'file_format': 'parquet',
        'on_schema_change': 'fail',
        'pre_hook': ["{{ secfeat.copy_previous_rows() }}"],
        'post_hook': ["drop table if exists {{ secfeat.previous_rows() }}"],
    }) }}
{%- endmacro %}

{#- Where an incremental build reads the rows the table held before it. -#}
{% macro previous_rows() -%}
    {{ return(adapter.dispatch('previous_rows', 'secfeat')()) }}
{%- endmacro %}

{% macro default__previous_rows() -%}
    {{ return(this) }}
{%- endmacro %}

{% macro spark__previous_rows() -%}
    {{ return(this.incorporate(path={'identifier': this.identifier ~ '__previous'})) }}
{%- endmacro %}

{#- Whether a build writes every row of the table (true on Spark), not only those it re-evaluated. -#}
{% macro rewrites_whole_table() -%}
    {{ return(target.type == 'spark') }}
{%- endmacro %}

{% macro copy_previous_rows() -%}
    {%- if execute and is_incremental() -%}
        {%- do run_query('drop table if exists ' ~ secfeat.previous_rows()) -%}
        {%- do run_query('create table ' ~ secfeat.previous_rows() ~ ' using parquet as select * from ' ~ this) -%}
    {%- endif -%}
{%- endmacro %}
