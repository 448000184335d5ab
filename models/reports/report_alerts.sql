{#- The champion's live signals (its best per user and day) ranked by score, each with whether its event
    lies inside an incident window (ml_incident_activity) and the
    precision of the alerts ranked up to it. -#}
with alerts as (
    select * from {{ ref('report_model_signals') }}
),

incident_activity as (
    select * from {{ ref('ml_incident_activity') }}
),

labelled as (
    select
        alerts.alert_id,
        alerts.event_uid,
        alerts.severity,
        alerts.score,
        alerts.event_at,
        alerts.user_key,
        alerts.src_endpoint_ip,
        alerts.source_name,
        alerts.failed_logins_1h,
        alerts.failed_logins_24h,
        alerts.distinct_users_failed_1h,
        incident_activity.incident_id,
        incident_activity.technique,
        incident_activity.event_uid is not null as is_in_incident
    from alerts
    left join incident_activity
        on
            alerts.event_uid = incident_activity.event_uid
            and alerts.activity_kind = incident_activity.activity_kind
),

ranked as (
    select
        *,
        row_number() over by_score as alert_rank,
        count(*) filter (where is_in_incident) over (
            by_score rows between unbounded preceding and current row
        ) as alerts_in_incidents_to_rank
    from labelled
    window by_score as (order by score desc, event_at asc, alert_id asc)
),

final as (
    select
        alert_rank,
        alert_id,
        event_uid,
        severity,
        score,
        event_at,
        user_key,
        src_endpoint_ip,
        source_name,
        failed_logins_1h,
        failed_logins_24h,
        distinct_users_failed_1h,
        is_in_incident,
        incident_id,
        technique,
        alerts_in_incidents_to_rank,
        alerts_in_incidents_to_rank / alert_rank as precision_to_rank
    from ranked
)

select * from final
