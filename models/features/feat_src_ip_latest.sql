{{ config(tags=['as_of_build_time']) }}
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

features as (
    {{ secfeat.rolling_window_latest(
        relation='logons',
        entity_key='src_endpoint_ip',
        time_column='event_at',
        features=secfeat.src_ip_features(),
    ) }}
)

select * from features
