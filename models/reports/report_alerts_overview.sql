{#- One row, also without alerts: how many live alerts the champion raised,
    on how many days, by severity, the threshold and daily budget in force,
    and how many were withdrawn or changed since. -#}
with alerts as (
    select * from {{ ref('ml_login_alerts') }}
),

final as (
    select
        count(*) filter (where status = 'raised') as alerts,
        count(distinct alert_day) filter (where status = 'raised') as alert_days,
        count(*) filter (where status = 'raised' and severity = 'critical') as critical_alerts,
        count(*) filter (where status = 'raised' and severity = 'high') as high_alerts,
        count(*) filter (where status = 'raised' and severity = 'medium') as medium_alerts,
        count(*) filter (where status = 'withdrawn') as withdrawn_alerts,
        count(*) filter (where status = 'raised' and times_rescored > 0) as rescored_alerts,
        max(model_version) filter (where status = 'raised') as model_version,
        any_value(threshold) as threshold,
        any_value(daily_budget) as daily_budget
    from alerts
)

select * from final
