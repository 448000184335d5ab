{%- set detection = {
    'name': 'credential_stuffing',
    'title': 'A sign-in from an address that failed for other accounts',
    'attack_technique_uid': 'T1110.004', 'attack_technique_name': 'Credential Stuffing',
    'attack_tactic_uid': 'TA0006', 'attack_tactic_name': 'Credential Access',
    'severity': 'high', 'entity': 'src_ip',
} -%}
{{ config(meta={'detection': detection}) }}
{#- Rule: a successful logon, from an address new to the user
    (is_new_src_ip_30d), that in the 24 hours up to it failed for at least 2
    distinct users and for more than 60% of the users it tried
    (distinct_users_failed_24h, distinct_users_24h): leaked pairs tried from a
    botnet, a few addresses per account, and one worked. An office egress
    address is no user's new address, and most of its users sign in fine. -#}
with hits as (
    select * from {{ ref('feat_authentication_events') }}
    where
        status_id = 1
        and is_new_src_ip_30d
        and distinct_users_failed_24h >= 2
        and distinct_users_failed_24h * 5 > distinct_users_24h * 3
)

{{ secfeat.detection_hits('hits', detection) }}
