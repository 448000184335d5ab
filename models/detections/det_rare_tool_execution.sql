{%- set detection = {
    'name': 'rare_tool_execution',
    'title': 'A process that almost no device in the estate runs',
    'attack_technique_uid': 'T1588.002', 'attack_technique_name': 'Tool',
    'attack_tactic_uid': 'TA0042', 'attack_tactic_name': 'Resource Development',
    'severity': 'medium', 'entity': 'user',
} -%}
{{ config(meta={'detection': detection}) }}
{#- Rule: a launch of a rare process (at most var rare_process_max_devices
    devices ran it in the 30 days up to it) by a user (rare_process_count_24h),
    once the estate's process history is a day old: before that, everything
    looks rare (warm-up). -#}
with process_history as (
    select min(event_at) as first_launch_at
    from {{ ref('int_process_launch_prevalence') }}
),

hits as (
    select launches.*
    from {{ ref('feat_user_activity_events') }} as launches
    cross join process_history
    where
        launches.activity_kind = 'process_launch'
        and launches.is_rare_process
        and launches.rare_process_count_24h >= 1
        and launches.event_at >= process_history.first_launch_at + interval 1 day
)

{{ secfeat.detection_hits('hits', detection) }}
