{#- One row: the windows ml_login_monitoring compares (the champion's
    training window against the latest hours), the score's PSI, how many
    checks are meta-alerts and how many subjects still warm up. -#}
with monitoring as (
    select * from {{ ref('ml_login_monitoring') }}
),

meta_alerts as (
    select * from {{ ref('ml_login_meta_alerts') }}
),

windows as (
    select
        max(model_version) as model_version,
        max(reference_from) as reference_from,
        max(reference_until) as reference_until,
        max(latest_from) as latest_from,
        max(latest_until) as latest_until,
        max(psi) filter (where check_name = 'distribution' and subject = 'score') as score_psi,
        count(*) filter (where check_name = 'distribution' and reference_events = 0) as warming_up,
        max(comparable_from) filter (where check_name = 'distribution' and reference_events = 0) as comparable_from
    from monitoring
),

meta_alert_count as (
    select count(*) as meta_alerts
    from meta_alerts
),

final as (
    select
        windows.model_version,
        windows.reference_from,
        windows.reference_until,
        windows.latest_from,
        windows.latest_until,
        windows.score_psi,
        meta_alert_count.meta_alerts,
        windows.warming_up,
        windows.comparable_from
    from windows
    cross join meta_alert_count
)

select * from final
