{#- The champion's kept scores (ml_login_scores, a Python model), with
    _arrived_at: when each score reached this engine, what `signals` compares
    to its watermark. On DuckDB, where they are computed, scored_at. On Spark,
    where Python models need Databricks, the scores the DuckDB build computed
    as `secfeat export-ocsf` writes them beside the OCSF classes, arrived when
    their file was written (the watermark is Spark's own clock, not DuckDB's). -#}
{% macro login_scores() -%}
    {%- if target.type == 'spark' -%}
        (
            select
                *,
                _metadata.file_modification_time as _arrived_at
            from parquet.`{{ var('ocsf_parquet_dir') }}/ml_login_scores`
        ) as login_scores
    {%- else -%}
        (
            select
                *,
                scored_at as _arrived_at
            from {{ ref('ml_login_scores') }}
        ) as login_scores
    {%- endif -%}
{%- endmacro %}
