{{ config(materialized='view') }}
{#- The feature vector at every logon: what a detection scores and what an
    analyst queries. A view over the incremental per-entity models, so it is
    never staler than they are. -#}
with user_features as (
    select * from {{ ref('feat_user_authentication_events') }}
),

user_src_ip_features as (
    select * from {{ ref('feat_user_src_ip_authentication_events') }}
),

src_ip_features as (
    select * from {{ ref('feat_src_ip_authentication_events') }}
),

user_country_features as (
    select * from {{ ref('feat_user_country_authentication_events') }}
),

joined as (
    select
        user_features.event_uid,
        user_features.user_key,
        user_features.source_name,
        user_features.src_endpoint_ip,
        user_features.src_endpoint_location_country,
        user_features.status_id,
        user_features.is_mfa,
        user_features.travel_speed_kmh,
        user_features.event_at,
        user_features._ingested_at,
        user_features._loaded_at,
        -- the row changed when any of its parts was last recomputed
        greatest(
            user_features._computed_at, user_src_ip_features._computed_at, src_ip_features._computed_at,
            user_country_features._computed_at
        ) as _computed_at,
        {{ secfeat.authentication_event_feature_columns() }}
    from user_features
    left join user_src_ip_features
        on user_features.event_uid = user_src_ip_features.event_uid
    left join src_ip_features
        on user_features.event_uid = src_ip_features.event_uid
    left join user_country_features
        on user_features.event_uid = user_country_features.event_uid
)

select * from joined
