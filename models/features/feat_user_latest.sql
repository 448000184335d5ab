{{ config(tags=['as_of_build_time']) }}
{#- One row per known user with the user features as of the build time (or
    var as_of). Windows decay without new events: a user quiet for a day reads
    failed_logins_24h = 0, not the value at their last event. -#}
with user_activity as (
    select * from {{ ref('int_user_activity_events') }}
),

features as (
    {{ secfeat.rolling_window_latest(
        relation='user_activity',
        entity_key='user_key',
        time_column='event_at',
        features=secfeat.user_features(),
    ) }}
)

select * from features
