{#- How an event-grain feature model (one row per event, rolling_window's
    event grain) is stored and kept current, per engine. The model's SQL is
    the same everywhere: `{{ config(**secfeat.event_features_config('event_uid')) }}`. -#}
{% macro event_features_config(unique_key) -%}
    {{ return(adapter.dispatch('event_features_config', 'secfeat')(unique_key)) }}
{%- endmacro %}

{#- Rows replaced by key: a run rewrites exactly the rows an arrival changes. -#}
{% macro default__event_features_config(unique_key) -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'delete+insert',
        'unique_key': unique_key,
        'on_schema_change': 'fail',
        'post_hook': "{{ secfeat.delete_past_retention('event_at') }}",
    }) }}
{%- endmacro %}

{#- Plain Parquet has no row-level delete or merge (those need Delta, Iceberg
    or Hudi): the table is partitioned by event_date, and a run overwrites
    the partitions an arrival changes, each recomputed whole (dynamic
    partition overwrite: the others stay as they are). -#}
{% macro spark__event_features_config(unique_key) -%}
    {%- if var('retention_days') is not none -%}
        {{ exceptions.raise_compiler_error(
            "var retention_days is DuckDB-only: on Spark, expire old event_date partitions of the feature "
            ~ "tables (and of the OCSF export) with the cluster's own lifecycle tooling"
        ) }}
    {%- endif -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'insert_overwrite',
        'file_format': 'parquet',
        'partition_by': ['event_date'],
        'on_schema_change': 'fail',
    }) }}
{%- endmacro %}
