-- One user's features exactly as of any time, e.g. when an analyst's case
-- says something happened: the as-of grain of the same rolling_window macro,
-- so a window that emptied since the user's last event reads 0.
-- Parameters are DuckDB variables, bound, never pasted into the SQL, so any
-- name is safe (in another client: set variable user_key = ...):
-- secfeat sql --analysis user_features_as_of \
--   --param user_key=niaj.parker --param as_of='2026-10-29 12:30:00'
with user_activity as (
    select * from {{ ref('int_user_activity_events') }}
),

probe as (
    select
        cast(getvariable('as_of') as timestamp) as as_of_at,
        lower(getvariable('user_key')) as user_key
),

features as (
    {{ secfeat.rolling_window(
        relation='user_activity',
        entity_key='user_key',
        time_column='event_at',
        features=secfeat.user_features(),
        probes='probe',
        probe_time_column='as_of_at',
    ) }}
)

select * from features
