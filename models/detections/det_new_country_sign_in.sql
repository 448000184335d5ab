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
    user, not a newcomer; not through the org's own office egress or VPN
    (seed org_networks: it is where the org is, not where the user went).
    Baseline: the user signed in from another country in the week
    (login_geo_diversity_7d >= 2: a user whose logons had no location until
    now has no country to be new to), and a day of located logons; before that,
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
        logons.event_at >= located_history.first_located_at + interval 1 day
        -- the user's own baseline: another country in the week, so this one is new to a located user
        and logons.login_geo_diversity_7d >= 2 as has_located_history
    from logons
    cross join located_history
    where
        logons.status_id = 1
        and logons.is_new_country_30d
        and logons.successful_logins_7d >= 5
        -- the org's own office egress and VPN place its people wherever they are: no travel
        and not {{ secfeat.is_org_network('logons.src_endpoint_ip', ['office_egress', 'vpn']) }}
)

{{ secfeat.detection_hits('hits', detection, baseline='has_located_history') }}
