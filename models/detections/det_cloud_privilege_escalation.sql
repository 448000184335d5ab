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
    (privileged_role_assumptions_7d = 1) and its only privileged action of the
    week (privileged_action_count_7d = 1): an account without admin rights,
    whose routine shows no privileges. High when the actor made API calls in
    the hour before (api_calls_1h: working unprivileged, then escalating);
    low, adding risk only, when the assumption opens the session (an
    administrator's first step of the day looks the same). Baseline: a day of cloud activity;
    before that, every assumption is somebody's first. -#}
with activity as (
    select * from {{ ref('feat_user_activity_events') }}
),

cloud_history as (
    select min(event_at) as first_call_at
    from activity
    where activity_kind = 'api_call'
),

hits as (
    select
        activity.*,
        activity.event_at >= cloud_history.first_call_at + interval 1 day as has_cloud_history
    from activity
    cross join cloud_history
    where
        activity.privilege_kind = 'assumed_privileged_role'
        and activity.privileged_role_assumptions_7d <= 1
        -- and the actor's only privileged action of the week: an admin's routine shows other privileges
        and activity.privileged_action_count_7d <= 1
)

{{ secfeat.detection_hits(
    'hits', detection, baseline='has_cloud_history',
    severity="case when api_calls_1h >= 1 then 'high' else 'low' end",
) }}
