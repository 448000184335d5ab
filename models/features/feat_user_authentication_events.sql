{{ config(materialized='view') }}
{#- The user's features at every logon: the logon rows of feat_user_activity_events. -#}
select
    event_uid,
    user_key,
    source_name,
    src_endpoint_ip,
    src_endpoint_location_country,
    status_id,
    is_mfa,
    travel_speed_kmh,
    event_at,
    _ingested_at,
    _loaded_at,
    _computed_at,
    {{ secfeat.user_features() | map(attribute='name') | join(',\n    ') }}
from {{ ref('feat_user_activity_events') }}
where activity_kind = 'logon'
