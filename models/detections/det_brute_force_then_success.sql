{%- set detection = {
    'name': 'brute_force_then_success',
    'title': 'Successful logon after a run of failures',
    'attack_technique_uid': 'T1110.001', 'attack_technique_name': 'Password Guessing',
    'attack_tactic_uid': 'TA0006', 'attack_tactic_name': 'Credential Access',
    'severity': 'high', 'entity': 'user',
} -%}
{{ config(meta={'detection': detection}) }}
{#- Rule: a successful logon of a user with at least 10 failed logons in the
    hour up to it (failed_logins_1h): the guess landed. -#}
with hits as (
    select * from {{ ref('feat_authentication_events') }}
    where status_id = 1 and failed_logins_1h >= 10
)

{{ secfeat.detection_hits('hits', detection) }}
