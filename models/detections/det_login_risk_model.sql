{%- set detection = {
    'name': 'login_risk_model',
    'title': 'The risk model scored an activity of the user in its top range',
    'attack_technique_uid': 'T1078', 'attack_technique_name': 'Valid Accounts',
    'attack_tactic_uid': 'TA0001', 'attack_tactic_name': 'Initial Access',
    'severity': 'medium', 'entity': 'user',
} -%}
{{ config(meta={'detection': detection}, tags=['uses_champion']) }}
{#- The champion model (ml_login_scores, its kept scores) as one more
    detection: an event of any kind (a logon, a privileged action, a process
    launch, an API call) it scores at var alert_threshold or above; a model
    trained without labels (isolation_forest) instead alerts at var
    unsupervised_alert_percentile of its training window's scores, so no
    threshold needs tuning. Severity by the score's percentile (var
    alert_severity_percentiles), as in ml_login_alerts. -#}
{%- set percentiles = var('alert_severity_percentiles') -%}
with scores as (
    select * from {{ ref('ml_login_scores') }}
),

hits as (
    select
        '{{ detection.name }}' as detection,
        'model' as detection_kind,
        '{{ detection.title }}' as title,
        '{{ detection.attack_technique_uid }}' as attack_technique_uid,
        '{{ detection.attack_technique_name }}' as attack_technique_name,
        '{{ detection.attack_tactic_uid }}' as attack_tactic_uid,
        '{{ detection.attack_tactic_name }}' as attack_tactic_name,
        case
            when score_percentile >= {{ percentiles['critical'] }} then 'critical'
            when score_percentile >= {{ percentiles['high'] }} then 'high'
            else 'medium'
        end as severity,
        'user' as entity_type,
        user_key as entity_key,
        event_uid,
        event_at,
        user_key,
        src_endpoint_ip,
        score,
        model_name,
        model_version
    from scores
    where
        user_key is not null
        and case
            when
                model_algorithm = 'isolation_forest'
                then score_percentile >= {{ var('unsupervised_alert_percentile') }}
            else score >= {{ var('alert_threshold') }}
        end
)

select
    detection,
    detection_kind,
    title,
    attack_technique_uid,
    attack_technique_name,
    attack_tactic_uid,
    attack_tactic_name,
    severity,
    entity_type,
    entity_key,
    event_uid,
    event_at,
    user_key,
    src_endpoint_ip,
    score,
    model_name,
    model_version,
    case severity when 'critical' then 5 when 'high' then 4 else 3 end as severity_id
from hits
