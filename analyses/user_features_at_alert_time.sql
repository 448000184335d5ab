-- What the model saw: each recent alert with the user's features at that
-- moment and the authentication events inside the 24-hour window behind it.
-- Compile with `dbt compile --select user_features_at_alert_time`, then run
-- target/compiled/.../user_features_at_alert_time.sql in the DuckDB CLI.
with alerts as (
    select
        event_uid,
        user_key,
        event_at,
        score,
        severity,
        failed_logins_1h,
        failed_logins_24h,
        distinct_src_ips_24h
    from {{ ref('ml_login_alerts') }}
    order by score desc
    limit 20
),

authentication as (
    select
        user_key,
        event_at,
        status,
        src_endpoint_ip,
        source_name
    from {{ ref('ocsf_authentication') }}
),

final as (
    select
        alerts.event_uid as alert_event_uid,
        alerts.user_key,
        alerts.event_at as alert_at,
        alerts.score,
        alerts.severity,
        alerts.failed_logins_24h,
        authentication.event_at,
        authentication.status,
        authentication.src_endpoint_ip,
        authentication.source_name
    from alerts
    inner join authentication
        on
            alerts.user_key = authentication.user_key
            -- the same boundary rule as the features: t - 24h < e <= t
            and alerts.event_at - interval '24 hours' < authentication.event_at
            and alerts.event_at >= authentication.event_at
)

select * from final
order by alert_event_uid, event_at
