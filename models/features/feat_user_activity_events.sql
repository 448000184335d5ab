{{ config(**secfeat.event_features_config(unique_key=['event_uid', 'activity_kind'])) }}
{#- The user's features at everything the user did (int_user_activity_events:
    logons, privileged actions, process launches, API calls): what detections
    of non-logon activity read. Incremental by load time; late events
    recompute the later rows of their user that they change (see the
    rolling_window macro). A role assumption is a logon of the role and a
    privileged action of its actor: one event_uid, two rows. -#}
-- read twice by an incremental run: inlined, so its load-time filter reaches the scans
with user_activity as {{ secfeat.not_materialized() }} (
    select * from {{ ref('int_user_activity_events') }}
),

features as (
    {{ secfeat.rolling_window(
        relation='user_activity',
        entity_key='user_key',
        time_column='event_at',
        features=secfeat.user_features(),
        loaded_at_column='_loaded_at',
    ) }}
),

activity as (
    select
        event_uid,
        activity_kind,
        user_key,
        source_name,
        src_endpoint_ip,
        src_endpoint_location_country,
        status_id,
        is_mfa,
        privilege_kind,
        is_rare_process,
        travel_speed_kmh,
        event_at,
        event_date,
        _ingested_at,
        _loaded_at,
        _computed_at,
        {{ secfeat.user_features() | map(attribute='name') | join(',\n        ') }}
    from features
)

select * from activity
