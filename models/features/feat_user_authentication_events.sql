{{
    config(
        materialized='incremental',
        unique_key='event_uid',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook="{{ secfeat.delete_past_retention('event_at') }}",
    )
}}
{#- The user's features at every logon. Incremental by load time; late
    events recompute the later rows of their user that they change (see the
    rolling_window macro). -#}
-- read twice by an incremental run: inlined, so its load-time filter reaches the scans
with user_activity as {{ secfeat.not_materialized() }} (
    select * from {{ ref('int_user_activity_events') }}
),

features as (
    {{ secfeat.rolling_window(
        relation='user_activity',
        entity_key='user_key',
        time_column='event_at',
        features=secfeat.user_features(),
        loaded_at_column='_loaded_at',
    ) }}
),

logons as (
    select
        event_uid,
        user_key,
        source_name,
        src_endpoint_ip,
        src_endpoint_location_country,
        status_id,
        event_at,
        _ingested_at,
        _loaded_at,
        _computed_at,
        {{ secfeat.user_features() | map(attribute='name') | join(',\n        ') }}
    from features
    where activity_kind = 'logon'
)

select * from logons
