{#- The raised alerts of every detection (`alerts`, one per incident), most
    severe first, then by their day's rank, each with whether one of its
    evidence events lies inside an incident window of the generator's ground
    truth (ml_incident_activity; never, for real data) and that incident. -#}
with alerts as (
    select * from {{ ref('alerts') }}
    where status = 'raised'
),

incident_activity as (
    select * from {{ ref('ml_incident_activity') }}
),

evidence as (
    select
        alert_id,
        unnest(evidence_event_uids) as event_uid
    from alerts
),

alert_incidents as (
    select
        evidence.alert_id,
        min(incident_activity.incident_id) as incident_id,
        min(incident_activity.technique) as technique
    from evidence
    inner join incident_activity on evidence.event_uid = incident_activity.event_uid
    group by evidence.alert_id
),

final as (
    select
        alerts.alert_id,
        alerts.alert_day,
        alerts.daily_rank,
        alerts.severity,
        alerts.detection,
        alerts.attack_technique_uid,
        alerts.entity_type,
        alerts.entity_key,
        alerts.first_event_at,
        alerts.last_event_at,
        alerts.event_count,
        alerts.score,
        alert_incidents.incident_id,
        alert_incidents.technique,
        array_to_string(alerts.detections, ', ') as detections,
        alert_incidents.incident_id is not null as is_in_incident,
        row_number() over (
            order by alerts.severity_id desc, alerts.alert_day asc, alerts.daily_rank asc
        ) as alert_rank
    from alerts
    left join alert_incidents on alerts.alert_id = alert_incidents.alert_id
)

select * from final
