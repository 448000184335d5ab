{%- set detection = {
    'name': 'brute_force',
    'title': 'Many failed logons for one account within an hour',
    'attack_technique_uid': 'T1110.001', 'attack_technique_name': 'Password Guessing',
    'attack_tactic_uid': 'TA0006', 'attack_tactic_name': 'Credential Access',
    'severity': 'medium', 'entity': 'user',
} -%}
{{ config(meta={'detection': detection}) }}
{#- Rule: a failed logon of a user with at least 20 failed logons in the hour
    up to it (failed_logins_1h), on an account that signed in within 30 days
    (successful_logins_30d): a person's account. A forgotten password locks
    out after a handful; the names internet scanners guess (root, oracle)
    never sign in, and are failed_logons_unknown_accounts. Baseline: a day of
    logons, before which no account has signed in yet (its hits then are
    insufficient-baseline signals). -#}
with logons as (
    select * from {{ ref('feat_authentication_events') }}
),

logon_history as (
    select min(event_at) as first_logon_at
    from logons
),

hits as (
    select
        logons.*,
        logons.event_at >= logon_history.first_logon_at + interval 1 day as has_logon_history
    from logons
    cross join logon_history
    where
        logons.status_id = 2
        and logons.failed_logins_1h >= 20
        and (logons.successful_logins_30d >= 1 or logons.event_at < logon_history.first_logon_at + interval 1 day)
)

{{ secfeat.detection_hits('hits', detection, baseline='has_logon_history') }}
