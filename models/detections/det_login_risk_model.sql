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
    alert_severity_percentiles) among the champion's scores on its training
    window; low when that window is not in this warehouse (an org the model
    never saw: the score cannot be placed) and for a failed logon of an account
    with no successful logon in 30 days (successful_logins_30d = 0: the names
    scanners guess), which adds risk and alerts only with other signals. -#}
{%- set percentiles = var('alert_severity_percentiles') -%}
with ranked_scores as (
    select
        *,
        -- one hit per event: a role assumption is scored as a logon and as a privileged action
        row_number() over (partition by event_uid order by score desc, activity_kind asc) as score_rank
    from {{ secfeat.login_scores() }}
),

scores as (
    select * from ranked_scores
    where score_rank = 1
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
            -- a failed logon of an account that never signs in (a scanner's guess): it adds risk, never alerts alone
            when activity_kind = 'logon' and successful_logins_30d = 0 then 'low'
            -- no yardstick: this warehouse does not hold the champion's training window (an org it never
            -- saw), so its score cannot be placed; it adds risk, alerts only with other signals
            when score_percentile is null then 'low'
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
        model_version,
        _arrived_at as _computed_at
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
    true as has_baseline,
    _computed_at,
    case severity when 'critical' then 5 when 'high' then 4 when 'medium' then 3 else 2 end as severity_id
from hits
