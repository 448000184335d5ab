{{ config(materialized='view') }}
{#- The ground truth of the demo's attacks at the logon grain: every logon
    inside an incident window of its user or its source IP (the incidents
    file; no rows for real data). The training set's positive labels and the
    detection-quality reports both read it. A view: it costs nothing to build. -#}
with incidents as (
    select * from {{ ref('stg_simulation__incidents') }}
),

logons as (
    select
        event_uid,
        user_key,
        src_endpoint_ip,
        event_at
    from {{ ref('int_user_activity_events') }}
    where activity_kind = 'logon'
),

final as (
    select
        logons.event_uid,
        logons.user_key,
        logons.src_endpoint_ip,
        logons.event_at,
        min(incidents.incident_id) as incident_id,
        min(incidents.technique) as technique
    from logons
    inner join incidents
        on
            logons.event_at between incidents.started_at and incidents.ended_at
            and (
                (incidents.entity_type = 'user' and logons.user_key = incidents.entity_key)
                or (incidents.entity_type = 'src_ip' and logons.src_endpoint_ip = incidents.entity_key)
            )
    group by logons.event_uid, logons.user_key, logons.src_endpoint_ip, logons.event_at
)

select * from final
