{#- One row, also without signals: how many user-days the champion signalled
    (its live signals, the best per user and day), on how many days, by
    severity, how many of its signals were withdrawn or suppressed, and the
    threshold and the alerts' daily budget in force. -#}
with daily as (
    select * from {{ ref('report_model_signals') }}
),

model_signals as (
    select * from {{ ref('triaged_signals') }}
    where detection = 'login_risk_model'
),

daily_counts as (
    select
        count(*) as alerts,
        count(distinct alert_day) as alert_days,
        count(*) filter (where severity = 'critical') as critical_alerts,
        count(*) filter (where severity = 'high') as high_alerts,
        count(*) filter (where severity = 'medium') as medium_alerts,
        max(model_version) as model_version
    from daily
),

signal_counts as (
    select
        count(*) filter (where verdict = 'withdrawn') as withdrawn_alerts,
        count(*) filter (where verdict = 'suppressed') as suppressed_signals
    from model_signals
),

final as (
    select
        daily_counts.alerts,
        daily_counts.alert_days,
        daily_counts.critical_alerts,
        daily_counts.high_alerts,
        daily_counts.medium_alerts,
        signal_counts.withdrawn_alerts,
        signal_counts.suppressed_signals,
        daily_counts.model_version,
        {{ var('alert_threshold') }} as threshold,
        {{ var('alerts_daily_budget') if var('alerts_daily_budget') else 'null' }} as daily_budget
    from daily_counts
    cross join signal_counts
)

select * from final
