{%- set detection = {
    'name': 'mfa_fatigue',
    'title': 'Repeated MFA prompts for one account',
    'attack_technique_uid': 'T1621', 'attack_technique_name': 'Multi-Factor Authentication Request Generation',
    'attack_tactic_uid': 'TA0006', 'attack_tactic_name': 'Credential Access',
    'severity': 'high', 'entity': 'user',
} -%}
{{ config(meta={'detection': detection}) }}
{#- Rule: a logon of a user with at least 8 MFA prompts or failed MFA
    verifications in the hour up to it (mfa_prompts_1h). A sign-in asks once. -#}
with hits as (
    select * from {{ ref('feat_authentication_events') }}
    where mfa_prompts_1h >= 8
)

{{ secfeat.detection_hits('hits', detection) }}
