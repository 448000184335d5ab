{#- A compiled Sigma rule's hits (models/detections/sigma, written by `secfeat
    sigma compile`): every staged record of the rule's source, ignored ones
    included (not quarantined ones: broken), whose `_vendor_record` meets the
    rule's condition, in the target's dialect (`conditions`: duckdb, spark).
    The entity is the record's user, else its source address, else its host. _computed_at
    is when the record was staged (on Spark, when its export was written):
    `signals` evaluates only records staged since its last build. -#}
{% macro sigma_detection(rule, conditions) -%}
    with hits as (
        select
            *,
            _loaded_at as _computed_at
        from {{ secfeat.sigma_records(rule) }}
        where {{ conditions[target.type] }}
    )

    {{ secfeat.detection_hits('hits', rule) }}
{%- endmacro %}


{#- The staged records a Sigma rule reads, with the OCSF columns hits carry:
    the staging model's, on Spark its export (`secfeat export-ocsf` writes
    sigma_records_<staging model> under var ocsf_parquet_dir). -#}
{% macro sigma_records(rule) -%}
    {%- set columns = secfeat.ocsf_source_columns(rule.source) -%}
    {%- set users = ['user_name', 'actor_user_name'] | select('in', columns) | list -%}
    (
        select
            event_uid,
            event_at,
            {%- if target.type == 'spark' %}
                -- when the record reached this engine: `signals` compares it to its watermark, Spark's own clock
                _metadata.file_modification_time as _loaded_at,
            {%- else %}
                _loaded_at,
            {%- endif %}
            _vendor_record,
            {%- if users %}
                lower(coalesce({{ users | join(', ') }})) as user_key,
            {%- else %}
                cast(null as string) as user_key,
            {%- endif %}
            {%- set hosts = ['device_hostname', 'dst_endpoint_hostname'] | select('in', columns) | list %}
            {%- if hosts %}
                lower(coalesce({{ hosts | join(', ') }})) as host_key,
            {%- else %}
                cast(null as string) as host_key,
            {%- endif %}
            {%- if 'src_endpoint_ip' in columns %}
                src_endpoint_ip
            {%- else %}
                cast(null as string) as src_endpoint_ip
            {%- endif %}
        {%- if target.type == 'spark' %}
            from parquet.`{{ var('ocsf_parquet_dir') }}/sigma_records_{{ rule.staging_model }}`
        {%- else %}
            from {{ ref(rule.staging_model) }}
        {%- endif %}
        where _quarantine_reason is null and event_at is not null
    )
{%- endmacro %}
