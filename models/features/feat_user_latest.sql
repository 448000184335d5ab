{#- One row per user known to the warehouse, with the features as of the build
    time (or var as_of). Windows decay without new events: a user quiet for a
    day reads failed_logins_24h = 0, not the value at their last event. -#}
with authentication as (
    select
        user_key,
        src_endpoint_ip,
        status_id,
        event_at
    from {{ ref('ocsf_authentication') }}
    -- logons only: logoffs, Kerberos tickets and credential checks are not logins
    where user_key is not null and activity_id = 1
),

known_users as (
    select
        user_key,
        {{ secfeat.as_of_timestamp() }} as as_of_at
    from authentication
    group by 1
    having min(event_at) <= {{ secfeat.as_of_timestamp() }}
),

features as (
    {{ secfeat.rolling_window(
        relation='authentication',
        entity_key='user_key',
        time_column='event_at',
        features=secfeat.user_authentication_features(),
        probes='known_users',
        probe_time_column='as_of_at',
    ) }}
)

select * from features
