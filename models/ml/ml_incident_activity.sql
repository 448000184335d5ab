{{ config(materialized='view') }}
{#- The ground truth of the demo's attacks at the grain the model scores:
    everything a user did (int_user_activity_events: logons, privileged
    actions, process launches, API calls) inside an incident window of its
    user or its source IP (the incidents file; no rows for real data). The
    training set's positive labels and the detection-quality reports both
    read it. A view: it costs nothing to build. -#}
with incidents as (
    select * from {{ ref('stg_simulation__incidents') }}
),

activity as (
    select
        event_uid,
        activity_kind,
        user_key,
        src_endpoint_ip,
        event_at
    from {{ ref('int_user_activity_events') }}
),

final as (
    select
        activity.event_uid,
        activity.activity_kind,
        activity.user_key,
        activity.src_endpoint_ip,
        activity.event_at,
        min(incidents.incident_id) as incident_id,
        min(incidents.technique) as technique
    from activity
    inner join incidents
        on
            activity.event_at between incidents.started_at and incidents.ended_at
            and (
                (incidents.entity_type = 'user' and activity.user_key = incidents.entity_key)
                or (incidents.entity_type = 'src_ip' and activity.src_endpoint_ip = incidents.entity_key)
            )
    group by activity.event_uid, activity.activity_kind, activity.user_key, activity.src_endpoint_ip, activity.event_at
)

select * from final
