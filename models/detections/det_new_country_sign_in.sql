{%- set detection = {
    'name': 'new_country_sign_in',
    'title': 'Sign-in from a country new to the user',
    'attack_technique_uid': 'T1078', 'attack_technique_name': 'Valid Accounts',
    'attack_tactic_uid': 'TA0001', 'attack_tactic_name': 'Initial Access',
    'severity': 'medium', 'entity': 'user',
} -%}
{{ config(meta={'detection': detection}) }}
{#- Rule: a successful logon from a country the user had no successful logon
    from in the 30 days up to it (is_new_country_30d), by a user with at least
    5 successful logons in the week (successful_logins_7d): an established
    user, not a newcomer. Baseline: a day of located logons; before that,
    every country is new to everybody (insufficient-baseline signals). -#}
with logons as (
    select * from {{ ref('feat_authentication_events') }}
),

located_history as (
    select min(event_at) as first_located_at
    from logons
    where src_endpoint_location_country is not null
),

hits as (
    select
        logons.*,
        logons.event_at >= located_history.first_located_at + interval 1 day as has_located_history
    from logons
    cross join located_history
    where
        logons.status_id = 1
        and logons.is_new_country_30d
        and logons.successful_logins_7d >= 5
)

{{ secfeat.detection_hits('hits', detection, baseline='has_located_history') }}
