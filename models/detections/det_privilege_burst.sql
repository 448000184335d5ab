{%- set detection = {
    'name': 'privilege_burst',
    'title': 'A burst of privileged actions by an account that rarely uses privileges',
    'attack_technique_uid': 'T1078.002', 'attack_technique_name': 'Domain Accounts',
    'attack_tactic_uid': 'TA0004', 'attack_tactic_name': 'Privilege Escalation',
    'severity': 'medium', 'entity': 'user',
} -%}
{{ config(meta={'detection': detection}) }}
{#- Rule: a privileged action of a user with at least 20 privileged actions in
    the hour up to it, which is more than half of the user's week
    (privileged_action_count_1h, privileged_action_count_7d). -#}
with hits as (
    select * from {{ ref('feat_user_activity_events') }}
    where
        activity_kind = 'privileged_action'
        and privileged_action_count_1h >= 20
        and privileged_action_count_1h * 2 > privileged_action_count_7d
)

{{ secfeat.detection_hits('hits', detection) }}
