-- What the model saw: each of the top alerts with the feature vector at the
-- alerted logon, and the logons inside the 24-hour window behind it (the
-- same boundary rule as the features: t - 24h < e <= t).
-- dbt compile --select user_features_at_alert_time, then run the file under
-- target/compiled/secfeat/analyses/ in the DuckDB CLI or Python.
with alerts as (
    select
        event_uid,
        user_key,
        event_at,
        score,
        severity,
        failed_logins_1h,
        failed_logins_24h,
        distinct_src_ips_24h,
        is_new_src_ip_30d,
        distinct_users_failed_1h
    -- the champion's live signals, its best per user and day
    from {{ ref('report_model_signals') }}
    order by score desc, event_at asc
    limit 20
),

logons as (
    select
        user_key,
        event_at,
        status_id,
        src_endpoint_ip,
        source_name
    from {{ ref('int_user_activity_events') }}
    where activity_kind = 'logon'
),

final as (
    select
        alerts.event_uid as alert_event_uid,
        alerts.user_key,
        alerts.event_at as alert_at,
        alerts.score,
        alerts.severity,
        alerts.failed_logins_24h,
        alerts.is_new_src_ip_30d,
        alerts.distinct_users_failed_1h,
        logons.event_at,
        logons.status_id,
        logons.src_endpoint_ip,
        logons.source_name
    from alerts
    inner join logons
        on
            alerts.user_key = logons.user_key
            and alerts.event_at - interval '24 hours' < logons.event_at
            and alerts.event_at >= logons.event_at
)

select * from final
order by alert_event_uid, event_at
