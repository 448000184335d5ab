{%- set detection = {
    'name': 'failed_logons_unknown_accounts',
    'title': 'An outside address failing logons for accounts that never sign in',
    'attack_technique_uid': 'T1110.001', 'attack_technique_name': 'Password Guessing',
    'attack_tactic_uid': 'TA0006', 'attack_tactic_name': 'Credential Access',
    'severity': 'low', 'entity': 'src_ip',
} -%}
{{ config(meta={'detection': detection}) }}
{#- Rule: a failed logon, from a source IP outside the org's networks (seed
    org_networks), for an account with no successful logon in the 30 days up
    to it (successful_logins_30d = 0: it does not exist, or nobody uses it),
    when the account failed at least 20 times in the hour or the address
    failed for at least 5 accounts in the hour (failed_logins_1h,
    distinct_users_failed_1h): the internet's background of scanners guessing
    root and oracle. Low severity: it adds to the address's risk, and alerts
    only with other signals. Baseline: a day of logons (before it, no account
    has signed in yet). -#}
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
        and logons.successful_logins_30d = 0
        and (logons.failed_logins_1h >= 20 or logons.distinct_users_failed_1h >= 5)
        and not {{ secfeat.is_org_network('logons.src_endpoint_ip') }}
)

{{ secfeat.detection_hits('hits', detection, baseline='has_logon_history') }}
