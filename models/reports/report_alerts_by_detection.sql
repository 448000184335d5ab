{#- Every detection's signals and alerts, per detection and for all of them
    together (detection null): its signals (triaged_signals: all but withdrawn),
    how many were suppressed or short of a baseline, and the share suppressed;
    the alerts it named (`alerts`, one per incident): raised, raised a day
    over the days that had signals, over the daily budget, and, against the
    generator's ground truth
    (ml_incident_activity; no incidents for real data), the raised alerts with
    an evidence event inside an incident window and the incidents they caught. -#}
with alerts as (
    select * from {{ ref('alerts') }}
),

signals as (
    select * from {{ ref('triaged_signals') }}
    where verdict != 'withdrawn'
),

signal_counts as (
    select
        detection,
        grouping(detection) = 1 as is_all_detections,
        case when grouping(detection) = 0 then any_value(detection_kind) end as detection_kind,
        case when grouping(detection) = 0 then any_value(attack_technique_uid) end as attack_technique_uid,
        count(*) as signals,
        count(*) filter (where verdict = 'suppressed') as suppressed_signals,
        count(*) filter (where verdict = 'insufficient_baseline') as insufficient_baseline_signals
    from signals
    group by rollup(detection)
),

signal_period as (
    select greatest(count(distinct cast(event_at as date)), 1) as signal_days
    from signals
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
        ground_truth.incidents_with_activity,
        coalesce(signal_counts.detection, by_detection.detection) as detection,
        coalesce(signal_counts.is_all_detections, by_detection.is_all_detections) as is_all_detections,
        coalesce(signal_counts.detection_kind, by_detection.detection_kind) as detection_kind,
        coalesce(signal_counts.attack_technique_uid, by_detection.attack_technique_uid) as attack_technique_uid,
        coalesce(signal_counts.signals, 0) as signals,
        coalesce(signal_counts.suppressed_signals, 0) as suppressed_signals,
        coalesce(signal_counts.insufficient_baseline_signals, 0) as insufficient_baseline_signals,
        coalesce(signal_counts.suppressed_signals / nullif(signal_counts.signals, 0), 0) as suppressed_share,
        coalesce(by_detection.raised_alerts, 0) as raised_alerts,
        coalesce(by_detection.raised_alerts, 0) / signal_period.signal_days as raised_alerts_per_day,
        coalesce(by_detection.over_budget_alerts, 0) as over_budget_alerts,
        coalesce(by_detection.alert_days, 0) as alert_days,
        coalesce(by_detection.raised_alerts_in_incidents, 0) as raised_alerts_in_incidents,
        coalesce(by_detection.incidents_caught, 0) as incidents_caught
    from signal_counts
    full outer join by_detection
        on
            signal_counts.is_all_detections = by_detection.is_all_detections
            and coalesce(signal_counts.detection, '') = coalesce(by_detection.detection, '')
    cross join signal_period
    cross join ground_truth
)

select * from final
