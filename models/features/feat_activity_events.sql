{{ config(materialized='view') }}
{#- The risk model's feature vector at everything a user did (the rows of
    feat_user_activity_events: logons, privileged actions, process launches,
    API calls): the user's features, and at a logon its source IP's and
    (user, source IP)'s, which are computed at logons and null at the other
    kinds. What ml_login_scores scores, so an attack with no logon of its
    victim is scored too; feat_authentication_events is its logon rows with
    the country feature. A view, never staler than its parts. -#}
with user_features as (
    select * from {{ ref('feat_user_activity_events') }}
),

user_src_ip_features as (
    select * from {{ ref('feat_user_src_ip_authentication_events') }}
),

src_ip_features as (
    select * from {{ ref('feat_src_ip_authentication_events') }}
),

joined as (
    select
        user_features.event_uid,
        user_features.activity_kind,
        user_features.user_key,
        user_features.source_name,
        user_features.src_endpoint_ip,
        user_features.event_at,
        user_features._ingested_at,
        user_features._loaded_at,
        -- the row changed when any of its parts was last recomputed
        greatest(
            user_features._computed_at, user_src_ip_features._computed_at, src_ip_features._computed_at
        ) as _computed_at,
        {{ secfeat.authentication_event_feature_columns(user_country_alias=none) }}
    from user_features
    left join user_src_ip_features
        on
            user_features.activity_kind = 'logon'
            and user_features.event_uid = user_src_ip_features.event_uid
    left join src_ip_features
        on
            user_features.activity_kind = 'logon'
            and user_features.event_uid = src_ip_features.event_uid
)

select * from joined
