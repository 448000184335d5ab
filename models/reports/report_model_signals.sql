{#- The champion's live signals (det_login_risk_model in triaged_signals) with
    what it scored (ml_login_scores): its highest-scoring event per user and
    UTC day, the model's view of the day, which the model-quality reports
    rank by score. What an analyst works is `alerts`. -#}
with model_signals as (
    select * from {{ ref('triaged_signals') }}
    where detection = 'login_risk_model' and verdict = 'live'
),

scores as (
    select * from {{ ref('ml_login_scores') }}
    -- the row the signal came from: a role assumption is scored twice (logon, privileged action)
    qualify row_number() over (partition by event_uid order by score desc, activity_kind asc) = 1
),

scored as (
    select
        model_signals.signal_id as alert_id,
        scores.event_uid,
        scores.activity_kind,
        scores.user_key,
        scores.src_endpoint_ip,
        scores.source_name,
        scores.model_name,
        scores.model_version,
        model_signals.severity,
        -- what the reports show of the vector (ml_login_scores keeps all of it)
        scores.failed_logins_1h,
        scores.failed_logins_24h,
        scores.distinct_src_ips_24h,
        scores.is_new_src_ip_30d,
        scores.distinct_users_failed_1h,
        scores.score,
        scores.score_percentile,
        scores.event_at,
        cast(scores.event_at as date) as alert_day
    from model_signals
    inner join scores
        on model_signals.event_uid = scores.event_uid
),

daily as (
    select *
    from scored
    qualify row_number() over (
        partition by user_key, alert_day order by score desc, event_at asc, event_uid asc
    ) = 1
)

select * from daily
