{%- set detection = {
    'name': 'cloud_privilege_escalation',
    'title': 'An account assumed a privileged cloud role it does not usually assume',
    'attack_technique_uid': 'T1078.004', 'attack_technique_name': 'Cloud Accounts',
    'attack_tactic_uid': 'TA0004', 'attack_tactic_name': 'Privilege Escalation',
    'severity': 'high', 'entity': 'user',
} -%}
{{ config(meta={'detection': detection}) }}
{#- Rule: a successful assumption of a privileged role (var
    privileged_role_uid_pattern) that is the actor's first in 7 days
    (privileged_role_assumptions_7d = 1), once the warehouse has a day of role
    assumptions: before that, every assumption is somebody's first (warm-up). -#}
with assumptions as (
    select * from {{ ref('feat_user_activity_events') }}
    where privilege_kind = 'assumed_privileged_role'
),

assumption_history as (
    select min(event_at) as first_assumption_at
    from assumptions
),

hits as (
    select assumptions.*
    from assumptions
    cross join assumption_history
    where
        assumptions.privileged_role_assumptions_7d <= 1
        and assumptions.event_at >= assumption_history.first_assumption_at + interval 1 day
)

{{ secfeat.detection_hits('hits', detection) }}
