{{ config(**secfeat.event_features_config(unique_key='event_uid')) }}
{#- Per (user, source IP) features at every logon that has a source IP. -#}
-- read twice by an incremental run: inlined, so its load-time filter reaches the scan
with logons as {{ secfeat.not_materialized() }} (
    select
        event_uid,
        user_key,
        src_endpoint_ip,
        event_at,
        _ingested_at,
        _loaded_at
    from {{ ref('int_user_activity_events') }}
    where activity_kind = 'logon' and src_endpoint_ip is not null
),

features as (
    {{ secfeat.rolling_window(
        relation='logons',
        entity_key=['user_key', 'src_endpoint_ip'],
        time_column='event_at',
        features=secfeat.user_src_ip_features(),
        loaded_at_column='_loaded_at',
    ) }}
)

select * from features
