{{ config(**secfeat.event_features_config(unique_key='event_uid')) }}
{#- Every process launch with how widely its process (secfeat.process_key: a
    per-user install is one program) ran across the estate in the 30 days up
    to it, on how many devices and by how many users: point in time, so a launch is judged only by the
    launches before it (and at the same instant). -#}
-- read twice by an incremental run: inlined, so its load-time filter reaches the scan
with process_launches as {{ secfeat.not_materialized() }} (
    select
        event_uid,
        user_key,
        source_name,
        device_hostname,
        event_at,
        _ingested_at,
        _loaded_at,
        {{ secfeat.process_key('process_file_path', 'process_name') }} as process_key
    from {{ ref('ocsf_process_activity') }}
    where activity_id = 1 and coalesce(process_file_path, process_name) is not null
),

prevalence as (
    {{ secfeat.rolling_window(
        relation='process_launches',
        entity_key='process_key',
        time_column='event_at',
        features=secfeat.process_prevalence_features(),
        loaded_at_column='_loaded_at',
    ) }}
)

select * from prevalence
