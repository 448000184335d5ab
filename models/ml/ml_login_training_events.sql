{#- Labelled authentication events for the login model: the user's features
    at the event (as of its own time, so nothing later leaks in) and whether
    the event falls inside a known incident of its user or its source IP. -#}
with features as (
    select
        event_uid,
        user_key,
        source_name,
        src_endpoint_ip,
        status_id,
        event_at,
        _ingested_at,
        {{ secfeat.user_authentication_features() | map(attribute='name') | join(',\n        ') }}
    from {{ ref('feat_user_authentication_events') }}
),

incidents as (
    select
        entity_type,
        entity_key,
        started_at,
        ended_at
    from {{ ref('stg_simulation__incidents') }}
),

incident_events as (
    select distinct features.event_uid
    from features
    inner join incidents
        on
            features.event_at between incidents.started_at and incidents.ended_at
            and (
                (incidents.entity_type = 'user' and features.user_key = incidents.entity_key)
                or (incidents.entity_type = 'src_ip' and features.src_endpoint_ip = incidents.entity_key)
            )
),

labelled as (
    select
        features.*,
        (features.status_id = 2)::integer as is_failure,
        incident_events.event_uid is not null as is_incident
    from features
    left join incident_events
        on features.event_uid = incident_events.event_uid
)

select * from labelled
