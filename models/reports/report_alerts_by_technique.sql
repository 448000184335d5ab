{#- The champion's live signals against the generator's ground truth, per attack
    technique: an incident is caught when a live signal falls on one of the
    events inside its window (ml_incident_activity: logons, privileged
    actions, process launches, API calls). Out of sample: incidents with an
    event after the champion's training cut (the end of
    ml_login_monitoring's reference window). -#}
with simulated_incidents as (
    select * from {{ ref('stg_simulation__incidents') }}
),

incident_activity as (
    select
        incident_id,
        event_uid,
        activity_kind,
        event_at as label_at
    from {{ ref('ml_incident_activity') }}
),

alerts as (
    select * from {{ ref('report_model_signals') }}
),

monitoring as (
    select * from {{ ref('ml_login_monitoring') }}
),

training_cut as (
    select max(reference_until) as champion_trained_until
    from monitoring
),

incidents as (
    select
        technique,
        incident_id
    from simulated_incidents
    group by technique, incident_id
),

alerted_events as (
    select incident_activity.*
    from incident_activity
    inner join alerts
        on
            incident_activity.event_uid = alerts.event_uid
            and incident_activity.activity_kind = alerts.activity_kind
),

final as (
    select
        incidents.technique,
        count(distinct incidents.incident_id) as incidents,
        count(distinct incident_activity.incident_id) as incidents_with_activity,
        count(distinct alerted_events.incident_id) as incidents_caught,
        count(distinct incident_activity.activity_kind || ':' || incident_activity.event_uid) as events_in_incidents,
        count(distinct alerted_events.activity_kind || ':' || alerted_events.event_uid) as events_alerted,
        count(distinct incident_activity.incident_id) filter (
            where incident_activity.label_at > training_cut.champion_trained_until
        ) as out_of_sample_incidents,
        count(distinct alerted_events.incident_id) filter (
            where alerted_events.label_at > training_cut.champion_trained_until
        ) as out_of_sample_incidents_caught
    from incidents
    cross join training_cut
    left join incident_activity
        on incidents.incident_id = incident_activity.incident_id
    left join alerted_events
        on incidents.incident_id = alerted_events.incident_id
    group by incidents.technique
)

select * from final
