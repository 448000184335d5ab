{%- set detection = {
    'name': 'brute_force',
    'title': 'Many failed logons for one account within an hour',
    'attack_technique_uid': 'T1110.001', 'attack_technique_name': 'Password Guessing',
    'attack_tactic_uid': 'TA0006', 'attack_tactic_name': 'Credential Access',
    'severity': 'medium', 'entity': 'user',
} -%}
{{ config(meta={'detection': detection}) }}
{#- Rule: a failed logon of a user with at least 20 failed logons in the hour
    up to it (failed_logins_1h). A forgotten password locks out after a handful. -#}
with hits as (
    select * from {{ ref('feat_authentication_events') }}
    where status_id = 2 and failed_logins_1h >= 20
)

{{ secfeat.detection_hits('hits', detection) }}
