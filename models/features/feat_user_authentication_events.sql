{{
    config(
        materialized='incremental',
        unique_key='event_uid',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}
{#- The user's features at every authentication event: what a detection
    scores. Incremental by ingest time; late events recompute the later rows
    of their user that they change (see the rolling_window macro). -#}
with authentication as (
    select
        event_uid,
        user_key,
        source_name,
        src_endpoint_ip,
        status_id,
        event_at,
        _ingested_at
    from {{ ref('ocsf_authentication') }}
    -- logons only: logoffs, Kerberos tickets and credential checks are not logins
    where user_key is not null and activity_id = 1
),

features as (
    {{ secfeat.rolling_window(
        relation='authentication',
        entity_key='user_key',
        time_column='event_at',
        features=secfeat.user_authentication_features(),
        ingested_at_column='_ingested_at',
    ) }}
)

select * from features
