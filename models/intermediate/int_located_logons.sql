{#- Every successful logon that has coordinates (Okta and Entra give them),
    with how far and how fast the user travelled since their previous located
    logon: the input of geographic velocity. A view: a late logon changes the
    distance of the user's next one, whose _loaded_at is therefore the later
    of the two loads, so the feature models see it as an arrival. -#}
with located as (
    select
        event_uid,
        user_key,
        event_at,
        src_endpoint_location_lat as latitude,
        src_endpoint_location_long as longitude,
        _loaded_at
    from {{ ref('ocsf_authentication') }}
    where
        activity_id = 1
        and status_id = 1
        and user_key is not null
        and src_endpoint_location_lat is not null
        and src_endpoint_location_long is not null
),

with_previous as (
    select
        *,
        lag(latitude) over by_time as previous_latitude,
        lag(longitude) over by_time as previous_longitude,
        lag(event_at) over by_time as previous_event_at,
        lag(_loaded_at) over by_time as previous_loaded_at
    from located
    window by_time as (partition by user_key order by event_at, event_uid)
),

travelled as (
    select
        event_uid,
        user_key,
        event_at,
        latitude,
        longitude,
        previous_event_at,
        {{ secfeat.great_circle_km('previous_latitude', 'previous_longitude', 'latitude', 'longitude') }} as travel_km,
        greatest(_loaded_at, coalesce(previous_loaded_at, _loaded_at)) as _loaded_at
    from with_previous
)

select
    event_uid,
    user_key,
    event_at,
    latitude,
    longitude,
    previous_event_at,
    travel_km,
    -- km/h; a minute's floor so two places at one instant read fast, not infinite
    travel_km / greatest(
        {{ secfeat.epoch_microseconds('event_at') }} - {{ secfeat.epoch_microseconds('previous_event_at') }},
        60000000
    ) * 3600000000 as travel_speed_kmh,
    _loaded_at
from travelled
