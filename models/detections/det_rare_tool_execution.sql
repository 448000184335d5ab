{%- set detection = {
    'name': 'rare_tool_execution',
    'title': 'A process that almost no device in the estate runs',
    'attack_technique_uid': 'T1588.002', 'attack_technique_name': 'Tool',
    'attack_tactic_uid': 'TA0042', 'attack_tactic_name': 'Resource Development',
    'severity': 'medium', 'entity': 'user',
} -%}
{{ config(meta={'detection': detection}) }}
{#- Rule: a launch of a rare process (at most var rare_process_max_devices
    devices and var rare_process_max_users users ran it in the 30 days up to
    it: a terminal server's programs run on one device for dozens of users,
    and are not rare) by a user (rare_process_count_24h). Baseline: at least
    var rare_process_min_reporting_devices devices reported a launch in those
    30 days, and the estate's process history is a day old; with fewer, every
    program runs on almost no device and rarity means nothing
    (insufficient-baseline signals). -#}
with launches as (
    select * from {{ ref('int_process_launch_prevalence') }}
),

process_history as (
    select min(event_at) as first_launch_at
    from launches
),

candidates as (
    select activity.*
    from {{ ref('feat_user_activity_events') }} as activity
    where
        activity.activity_kind = 'process_launch'
        and activity.is_rare_process
        and activity.rare_process_count_24h >= 1
),

-- devices that reported a launch in the 30 days up to each candidate (point in time)
reporting_devices as (
    select
        candidates.event_uid,
        count(distinct launches.device_hostname) as devices_reporting_30d
    from candidates
    inner join launches
        on
            launches.event_at > candidates.event_at - interval 30 day
            and candidates.event_at >= launches.event_at
    group by candidates.event_uid
),

hits as (
    select
        candidates.*,
        coalesce(reporting_devices.devices_reporting_30d, 0) >= {{ var('rare_process_min_reporting_devices') }}
        and candidates.event_at >= process_history.first_launch_at + interval 1 day as has_process_baseline
    from candidates
    cross join process_history
    left join reporting_devices
        on candidates.event_uid = reporting_devices.event_uid
)

{{ secfeat.detection_hits('hits', detection, baseline='has_process_baseline') }}
