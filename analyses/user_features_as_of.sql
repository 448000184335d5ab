-- One user's features exactly as of any time, e.g. when an analyst's case
-- says something happened: the as-of grain of the same rolling_window macro,
-- so a window that emptied since the user's last event reads 0.
-- dbt compile --select user_features_as_of \
--   --vars '{analysis_user_key: niaj.parker, analysis_as_of: "2026-10-29 12:30:00"}'
with user_activity as (
    select * from {{ ref('int_user_activity_events') }}
),

probe as (
    select
        lower('{{ var("analysis_user_key", "niaj.parker") }}') as user_key,
        cast('{{ var("analysis_as_of", "2026-10-29 12:30:00") }}' as timestamp) as as_of_at
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
