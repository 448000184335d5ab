{%- set detection = {
    'name': 'impossible_travel',
    'title': 'Consecutive sign-ins too far apart to travel between',
    'attack_technique_uid': 'T1078', 'attack_technique_name': 'Valid Accounts',
    'attack_tactic_uid': 'TA0001', 'attack_tactic_name': 'Initial Access',
    'severity': 'high', 'entity': 'user',
} -%}
{{ config(meta={'detection': detection}) }}
{#- Rule: a successful located logon, from an address new to the user
    (is_new_src_ip_30d), whose user travelled over 1,000 km/h from the
    previous located one (travel_speed_kmh, the input of
    max_travel_speed_kmh_1h): faster than an airliner. The way back to a known
    address is no new alert; nor is a sign-in through the org's own office
    egress or VPN (seed org_networks). Baseline: a day of located logons (a
    geolocation feed just switched on places nobody yet). -#}
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
        logons.travel_speed_kmh > 1000
        and logons.max_travel_speed_kmh_1h > 1000
        and logons.is_new_src_ip_30d
        -- the org's own office egress and VPN place its people wherever they are: no travel
        and not {{ secfeat.is_org_network('logons.src_endpoint_ip', ['office_egress', 'vpn']) }}
)

{{ secfeat.detection_hits('hits', detection, baseline='has_located_history') }}
