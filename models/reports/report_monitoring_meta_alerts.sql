{#- The monitoring checks that need a person (ml_login_meta_alerts): what
    drifted or went silent, and by how much. -#}
with meta_alerts as (
    select * from {{ ref('ml_login_meta_alerts') }}
),

final as (
    select
        check_name,
        subject,
        meta_alert_reason,
        psi,
        reference_value,
        latest_value
    from meta_alerts
)

select * from final
