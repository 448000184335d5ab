{%- set detection = {
    'name': 'password_spray_slow',
    'title': 'One address failing logons for many accounts over a day, slowly',
    'attack_technique_uid': 'T1110.003', 'attack_technique_name': 'Password Spraying',
    'attack_tactic_uid': 'TA0006', 'attack_tactic_name': 'Credential Access',
    'severity': 'medium', 'entity': 'src_ip',
} -%}
{{ config(meta={'detection': detection}) }}
{#- Rule: a failed logon from a source IP outside the org's office egress and
    VPN (seed org_networks) that failed logons for at least 10
    distinct users in the 24 hours up to it (distinct_users_failed_24h), below
    the fast spray's hourly threshold (low and slow), and for most of the users
    it tried (distinct_users_24h): an office NAT sees a dozen typos a day among
    hundreds of users who sign in fine.
    Fewer than half of its users of the day signed in
    (distinct_users_succeeded_24h): an office's users sign in, typos or not. -#}
with hits as (
    select * from {{ ref('feat_authentication_events') }}
    where
        status_id = 2
        and distinct_users_failed_24h >= 10
        and distinct_users_failed_1h < 10
        and distinct_users_failed_24h * 2 > distinct_users_24h
        -- most of its users did not sign in: an office NAT's users do, whatever their typos
        and distinct_users_succeeded_24h * 2 < distinct_users_24h
        and not {{ secfeat.is_org_network('src_endpoint_ip', ['office_egress', 'vpn']) }}
)

{{ secfeat.detection_hits('hits', detection) }}
