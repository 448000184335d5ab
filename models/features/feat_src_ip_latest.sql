{#- One row per source IP seen in a logon, with the per-IP features as of the
    build time (or var as_of). -#}
with logons as (
    select
        user_key,
        src_endpoint_ip,
        status_id,
        event_at
    from {{ ref('int_user_activity_events') }}
    where activity_kind = 'logon' and src_endpoint_ip is not null
),

known_src_ips as (
    select
        src_endpoint_ip,
        {{ secfeat.as_of_timestamp() }} as as_of_at
    from logons
    group by 1
    having min(event_at) <= {{ secfeat.as_of_timestamp() }}
),

features as (
    {{ secfeat.rolling_window(
        relation='logons',
        entity_key='src_endpoint_ip',
        time_column='event_at',
        features=secfeat.src_ip_features(),
        probes='known_src_ips',
        probe_time_column='as_of_at',
    ) }}
)

select * from features
