{#- The champion's alerts against the generator's ground truth, per attack
    technique: an incident is caught when a live alert falls on one of the
    logons inside its window (ml_login_incident_logons). Out of sample:
    incidents with a logon after the champion's training cut (the end of
    ml_login_monitoring's reference window). -#}
with simulated_incidents as (
    select * from {{ ref('stg_simulation__incidents') }}
),

incident_logons as (
    select
        incident_id,
        event_uid,
        event_at as label_at
    from {{ ref('ml_login_incident_logons') }}
),

alerts as (
    select * from {{ ref('ml_login_alerts') }}
    where status = 'raised'
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

alerted_logons as (
    select incident_logons.*
    from incident_logons
    inner join alerts
        on incident_logons.event_uid = alerts.event_uid
),

final as (
    select
        incidents.technique,
        count(distinct incidents.incident_id) as incidents,
        count(distinct incident_logons.incident_id) as incidents_with_logons,
        count(distinct alerted_logons.incident_id) as incidents_caught,
        count(distinct incident_logons.event_uid) as logons_in_incidents,
        count(distinct alerted_logons.event_uid) as logons_alerted,
        count(distinct incident_logons.incident_id) filter (
            where incident_logons.label_at > training_cut.champion_trained_until
        ) as out_of_sample_incidents,
        count(distinct alerted_logons.incident_id) filter (
            where alerted_logons.label_at > training_cut.champion_trained_until
        ) as out_of_sample_incidents_caught
    from incidents
    cross join training_cut
    left join incident_logons
        on incidents.incident_id = incident_logons.incident_id
    left join alerted_logons
        on incidents.incident_id = alerted_logons.incident_id
    group by incidents.technique
)

select * from final
