{#- The alerts of every detection (`alerts`, one per incident) per detection
    that named them, and for all of them together (detection null): raised,
    over the daily budget, and, against the generator's ground truth
    (ml_incident_activity; no incidents for real data), the raised alerts with
    an evidence event inside an incident window and the incidents they caught. -#}
with alerts as (
    select * from {{ ref('alerts') }}
),

incident_activity as (
    select * from {{ ref('ml_incident_activity') }}
),

raised_evidence as (
    select
        alert_id,
        unnest(evidence_event_uids) as event_uid
    from alerts
    where status = 'raised'
),

raised_alert_incidents as (
    select distinct
        raised_evidence.alert_id,
        incident_activity.incident_id
    from raised_evidence
    inner join incident_activity on raised_evidence.event_uid = incident_activity.event_uid
),

by_detection as (
    select
        alerts.detection,
        grouping(alerts.detection) = 1 as is_all_detections,
        case when grouping(alerts.detection) = 0 then any_value(alerts.detection_kind) end as detection_kind,
        case when grouping(alerts.detection) = 0 then any_value(alerts.attack_technique_uid) end
            as attack_technique_uid,
        count(distinct alerts.alert_id) filter (where alerts.status = 'raised') as raised_alerts,
        count(distinct alerts.alert_id) filter (where alerts.status = 'over_budget') as over_budget_alerts,
        count(distinct alerts.alert_day) filter (where alerts.status = 'raised') as alert_days,
        count(distinct raised_alert_incidents.alert_id) as raised_alerts_in_incidents,
        count(distinct raised_alert_incidents.incident_id) as incidents_caught
    from alerts
    left join raised_alert_incidents on alerts.alert_id = raised_alert_incidents.alert_id
    group by rollup(alerts.detection)
),

ground_truth as (
    select count(distinct incident_id) as incidents_with_activity
    from incident_activity
),

final as (
    select
        by_detection.*,
        ground_truth.incidents_with_activity
    from by_detection
    cross join ground_truth
)

select * from final
