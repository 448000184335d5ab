{#- The monitoring checks that need a person: a feature, the score or the
    source mix drifted past var psi_alert_threshold, or a source went silent. -#}
select
    model_name,
    model_version,
    check_name,
    subject,
    meta_alert_reason,
    psi,
    reference_value,
    latest_value,
    latest_from,
    latest_until,
    dbt_invocation_id
from {{ ref('ml_login_monitoring') }}
where is_meta_alert
