{#- What a user did, from the OCSF models, as one stream the user features
    read: logons, privileged actions (Authorize Session privilege assignments,
    role assumptions into privileged roles), process launches and cloud API
    calls. -#}
with logons as (
    select
        authentication.event_uid,
        'logon' as activity_kind,
        authentication.user_key,
        authentication.source_name,
        authentication.src_endpoint_ip,
        authentication.src_endpoint_location_country,
        authentication.status_id,
        authentication.is_mfa,
        cast(null as {{ dbt.type_string() }}) as privilege_kind,
        cast(null as boolean) as is_rare_process,
        located.travel_speed_kmh,
        authentication.event_at,
        authentication._ingested_at,
        -- a late located logon changes the travel speed of the user's next one
        greatest(authentication._loaded_at, coalesce(located._loaded_at, authentication._loaded_at)) as _loaded_at
    from {{ ref('ocsf_authentication') }} as authentication
    left join {{ ref('int_located_logons') }} as located
        on authentication.event_uid = located.event_uid
    -- logons only: logoffs, Kerberos tickets and credential checks are not logins
    where authentication.activity_id = 1 and authentication.user_key is not null
),

privilege_assignments as (
    select
        event_uid,
        'privileged_action' as activity_kind,
        user_key,
        source_name,
        cast(null as {{ dbt.type_string() }}) as src_endpoint_ip,
        cast(null as {{ dbt.type_string() }}) as src_endpoint_location_country,
        status_id,
        cast(null as boolean) as is_mfa,
        'assigned_privileges' as privilege_kind,
        cast(null as boolean) as is_rare_process,
        cast(null as double) as travel_speed_kmh,
        event_at,
        _ingested_at,
        _loaded_at
    from {{ ref('ocsf_authorize_session') }}
    where user_key is not null
),

privileged_role_assumptions as (
    -- the role is the authenticated user; whoever assumed it (the actor) acted
    select
        event_uid,
        'privileged_action' as activity_kind,
        lower(actor_user_name) as user_key,
        source_name,
        src_endpoint_ip,
        src_endpoint_location_country,
        status_id,
        is_mfa,
        'assumed_privileged_role' as privilege_kind,
        cast(null as boolean) as is_rare_process,
        cast(null as double) as travel_speed_kmh,
        event_at,
        _ingested_at,
        _loaded_at
    from {{ ref('ocsf_authentication') }}
    where
        activity_id = 1
        and status_id = 1
        and actor_user_name is not null
        and {{ secfeat.matches_pattern('user_uid', var('privileged_role_uid_pattern')) }}
),

process_launches as (
    select
        event_uid,
        'process_launch' as activity_kind,
        user_key,
        source_name,
        cast(null as {{ dbt.type_string() }}) as src_endpoint_ip,
        cast(null as {{ dbt.type_string() }}) as src_endpoint_location_country,
        1 as status_id,
        cast(null as boolean) as is_mfa,
        cast(null as {{ dbt.type_string() }}) as privilege_kind,
        -- rare: few devices ran it and few people (a terminal server's programs run on one device for dozens)
        (
            devices_launching_process_30d <= {{ var('rare_process_max_devices') }}
            and users_launching_process_30d <= {{ var('rare_process_max_users') }}
        ) as is_rare_process,
        cast(null as double) as travel_speed_kmh,
        event_at,
        _ingested_at,
        -- a launch's rarity changes when launches in its window arrive, however late
        prevalence_inputs_loaded_at as _loaded_at
    from {{ ref('int_process_launch_prevalence') }}
    where user_key is not null
),

api_calls as (
    select
        event_uid,
        'api_call' as activity_kind,
        user_key,
        source_name,
        src_endpoint_ip,
        cast(null as {{ dbt.type_string() }}) as src_endpoint_location_country,
        status_id,
        actor_session_is_mfa as is_mfa,
        cast(null as {{ dbt.type_string() }}) as privilege_kind,
        cast(null as boolean) as is_rare_process,
        cast(null as double) as travel_speed_kmh,
        event_at,
        _ingested_at,
        _loaded_at
    from {{ ref('ocsf_api_activity') }}
    where user_key is not null
),

unioned as (
    select * from logons
    union all
    select * from privilege_assignments
    union all
    select * from privileged_role_assumptions
    union all
    select * from process_launches
    union all
    select * from api_calls
)

select * from unioned
