{%- set detection = {
    'name': 'success_without_mfa_after_failures',
    'title': 'Sign-in on a password alone right after failures',
    'attack_technique_uid': 'T1078', 'attack_technique_name': 'Valid Accounts',
    'attack_tactic_uid': 'TA0001', 'attack_tactic_name': 'Initial Access',
    'severity': 'high', 'entity': 'user',
} -%}
{{ config(meta={'detection': detection}) }}
{#- Rule: at an identity provider that reports MFA (Okta, Entra), a successful
    logon from an address new to the user (is_new_src_ip_30d) with at least 3
    failed logons and no successful MFA verification of the user in the hour
    up to it (failed_logins_1h, successful_mfa_1h). A user with a stale
    password on a device fails from a known address. -#}
with hits as (
    select * from {{ ref('feat_authentication_events') }}
    where
        status_id = 1
        and source_name in ('okta', 'entra')
        and is_new_src_ip_30d
        and failed_logins_1h >= 3
        and successful_mfa_1h = 0
)

{{ secfeat.detection_hits('hits', detection) }}
