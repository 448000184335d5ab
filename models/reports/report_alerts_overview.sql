{#- One row, also without alerts: how many the champion raised, on how many
    days, by severity, and the threshold and budget in force. -#}
with alerts as (
    select * from {{ ref('ml_login_alerts') }}
),

final as (
    select
        count(*) as alerts,
        count(distinct event_at::date) as alert_days,
        count(*) filter (where severity = 'critical') as critical_alerts,
        count(*) filter (where severity = 'high') as high_alerts,
        count(*) filter (where severity = 'medium') as medium_alerts,
        any_value(model_version) as model_version,
        any_value(threshold) as threshold,
        any_value(daily_budget) as daily_budget
    from alerts
)

select * from final
