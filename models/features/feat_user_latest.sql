{#- One row per known user with the user features as of the build time (or
    var as_of). Windows decay without new events: a user quiet for a day reads
    failed_logins_24h = 0, not the value at their last event. -#}
with user_activity as (
    select * from {{ ref('int_user_activity_events') }}
),

known_users as (
    select
        user_key,
        {{ secfeat.as_of_timestamp() }} as as_of_at
    from user_activity
    group by 1
    having min(event_at) <= {{ secfeat.as_of_timestamp() }}
),

features as (
    {{ secfeat.rolling_window(
        relation='user_activity',
        entity_key='user_key',
        time_column='event_at',
        features=secfeat.user_features(),
        probes='known_users',
        probe_time_column='as_of_at',
    ) }}
)

select * from features
