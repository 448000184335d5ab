{#-
    One row per Okta System Log LogEvent, in any of the shapes it is shipped
    in, told apart record by record:
      system_log_api  a LogEvent as Okta's /api/v1/logs returns it, one per
                      line or as API pages (JSON arrays);
      eventbridge     Okta log streaming's Amazon EventBridge envelope, the
                      LogEvent in `detail`; an envelope whose detail-type is
                      not SystemLog is ignored (not_a_system_log_event);
      panther         a LogEvent as Panther stores it: its p_* columns,
                      top-level keys lower-cased by its data lake (eventtype,
                      authenticationcontext...), or `published` in its
                      zone-less UTC form (2024-05-02 18:46:21.121000000).
    A record of none of them (an Event Hook delivery, say) is quarantined as
    unrecognized_record_shape. The time is `published`, else the envelope's
    `time` (eventbridge) or p_event_time (panther).
    Sign-ins (user.session.start, user.authentication.*,
    policy.evaluate_sign_on) and sign-outs (user.session.end) are OCSF
    Authentication (3002). outcome.result SUCCESS/ALLOW is success,
    FAILURE/DENY failure, CHALLENGE (an MFA prompt) and SKIPPED other, UNKNOWN
    unknown, as is an event without an outcome (Okta's schema allows none);
    a value outside Okta's enum is quarantined (invalid_outcome_result).
    Event types under var okta_ignored_event_type_prefixes are ignored as
    event_type_not_of_interest, any other unmapped type as unmapped_event_type.
-#}
{%- set event_fields = [
    'uuid', 'published', 'eventType', 'version', 'severity', 'displayMessage', 'legacyEventType',
] -%}
{%- set event_objects = ['actor', 'client', 'outcome', 'authenticationContext', 'debugContext', 'securityContext'] -%}
{#- the LogEvent's other members: not parsed here, kept for Sigma rules (_vendor_record) -#}
{%- set other_event_objects = ['target', 'transaction', 'request', 'device'] -%}
{%- set log_event_struct = '{' ~ (event_fields | map('tojson') | join(': "VARCHAR", ')) ~ ': "VARCHAR", '
    ~ (event_objects | map('tojson') | join(': "JSON", ')) ~ ': "JSON"}' -%}
{#- Panther's data lake lower-cases top-level keys only: nested objects keep Okta's camelCase -#}
{%- set panther_lowered_keys = (event_fields + event_objects) | map('lower')
    | reject('in', event_fields + event_objects) | list -%}
with raw_records as (
    {{ secfeat.landing_json_records('okta') }}
),

country_codes as (
    select
        country_code,
        lower(country_name) as country_name
    from {{ ref('country_codes') }}
),

shaped as (
    select
        *,
        case
            -- Amazon EventBridge's envelope: version, id, detail-type, source, account, time, region, resources, detail
            when record ->> '$."detail-type"' is not null and record ->> '$.source' is not null then 'eventbridge'
            when
                list_has_any(json_keys(record), {{ panther_lowered_keys }})
                or len(list_filter(json_keys(record), lambda key: starts_with(key, 'p_'))) > 0
                -- Okta writes ISO 8601 with a T and a Z; Panther a space and no zone
                or regexp_full_match(record ->> '$.published', '\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,9})?')
                then 'panther'
            -- not an Event Hook delivery (a CloudEvents envelope whose eventType is com.okta.event_hook)
            when
                (
                    json_exists(record, '$.eventType')
                    or json_exists(record, '$.uuid')
                    or json_exists(record, '$.published')
                )
                and not json_exists(record, '$.cloudEventsVersion')
                then 'system_log_api'
        end as source_shape
    from raw_records
),

parsed as (
    select
        *,
        from_json(log_event_record, '{{ log_event_struct }}') as log_event
    from (
        select
            *,
            case
                -- only Panther's keys are renamed: rebuilding every record would cost the most
                when source_shape = 'panther'
                    then json_object(
                        {%- for name in event_fields + event_objects + other_event_objects %}
                            '{{ name }}',
                            coalesce(log_event_json -> '$.{{ name }}', log_event_json -> '$.{{ name | lower }}')
                            {%- if not loop.last %},{% endif %}
                        {%- endfor %}
                    )
                else log_event_json
            end as log_event_record
        from (
            select
                *,
                case when source_shape = 'eventbridge' then record -> '$.detail' else record end as log_event_json
            from shaped
        ) as unwrapped
    ) as renamed
),

fields as (
    select
        {{ secfeat.landing_json_record_columns() }},
        source_shape,
        log_event,
        log_event_record,
        record ->> '$."detail-type"' as detail_type,
        struct_extract(log_event, 'uuid') as event_uuid,
        coalesce(
            {{ secfeat.null_if_blank("struct_extract(log_event, 'published')") }},
            case source_shape
                when 'eventbridge' then {{ secfeat.null_if_blank("record ->> '$.time'") }}
                when 'panther' then {{ secfeat.null_if_blank("record ->> '$.p_event_time'") }}
            end
        ) as time_text,
        struct_extract(log_event, 'eventType') as event_type,
        upper(struct_extract(log_event, 'severity')) as okta_severity,
        struct_extract(log_event, 'displayMessage') as display_message,
        struct_extract(log_event, 'actor') ->> '$.id' as actor_id,
        struct_extract(log_event, 'actor') ->> '$.type' as actor_type,
        {{ secfeat.null_if_blank("struct_extract(log_event, 'actor') ->> '$.alternateId'") }} as actor_alternate_id,
        struct_extract(log_event, 'actor') ->> '$.displayName' as actor_display_name,
        {{ secfeat.null_if_blank("struct_extract(log_event, 'client') ->> '$.ipAddress'") }} as client_ip_text,
        struct_extract(log_event, 'client') ->> '$.geographicalContext.country' as client_country_name,
        struct_extract(log_event, 'client') ->> '$.geographicalContext.city' as client_city,
        try_cast(struct_extract(log_event, 'client') ->> '$.geographicalContext.geolocation.lat' as double)
            as client_lat,
        try_cast(struct_extract(log_event, 'client') ->> '$.geographicalContext.geolocation.lon' as double)
            as client_long,
        struct_extract(log_event, 'outcome') is not null as has_outcome,
        upper(struct_extract(log_event, 'outcome') ->> '$.result') as outcome_result,
        struct_extract(log_event, 'outcome') ->> '$.reason' as outcome_reason,
        struct_extract(log_event, 'authenticationContext') ->> '$.externalSessionId' as external_session_id,
        struct_extract(log_event, 'debugContext') ->> '$.debugData.signOnMode' as sign_on_mode
    from parsed
),

located as (
    select
        fields.*,
        country_codes.country_code as client_country_code
    from fields
    left join country_codes
        on lower(fields.client_country_name) = country_codes.country_name
),

normalized as (
    select
        *,
        {{ secfeat.iso_to_utc('time_text') }} as event_at,
        case
            when
                event_type = 'user.session.start'
                or event_type = 'policy.evaluate_sign_on'
                or starts_with(event_type, 'user.authentication.')
                then 1
            when event_type = 'user.session.end' then 2
        end as activity_id,
        (
            {%- for prefix in var('okta_ignored_event_type_prefixes') %}
                {% if not loop.first %}or {% endif %}starts_with(event_type, '{{ prefix }}')
            {%- endfor %}
        ) as is_ignored_event_type,
        case
            -- an event without an outcome (nullable in Okta's schema) has no known one
            when not has_outcome then 0
            when outcome_result = 'SUCCESS' then 1
            when outcome_result = 'ALLOW' then 1
            when outcome_result = 'FAILURE' then 2
            when outcome_result = 'DENY' then 2
            when outcome_result = 'CHALLENGE' then 99
            when outcome_result = 'SKIPPED' then 99
            when outcome_result = 'UNKNOWN' then 0
        end as outcome_status_id,
        -- a login name is usually an email address: name and domain either side of '@'
        split_part(actor_alternate_id, '@', 1) as actor_login_name,
        nullif(split_part(actor_alternate_id, '@', 2), '') as actor_login_domain
    from located
),

ocsf_fields as (
    select
        *,
        outcome_status_id as status_id,
        outcome_result as status_code,
        outcome_reason as status_detail,
        display_message as message,
        event_uuid as metadata_uid,
        event_type as metadata_event_code,
        'Okta System Log' as metadata_product_name,
        'Okta' as metadata_product_vendor_name,
        actor_login_name as user_name,
        actor_id as user_uid,
        actor_login_domain as user_domain,
        actor_display_name as user_full_name,
        client_country_code as src_endpoint_location_country,
        client_city as src_endpoint_location_city,
        client_lat as src_endpoint_location_lat,
        client_long as src_endpoint_location_long,
        'Okta' as service_name,
        99 as logon_type_id,
        sign_on_mode as auth_protocol,
        external_session_id as session_uid,
        true as is_remote,
        case okta_severity when 'DEBUG' then 1 when 'INFO' then 1 when 'WARN' then 3 when 'ERROR' then 4 else 0 end
            as severity_id,
        case when actor_login_domain is not null then actor_alternate_id end as user_email_addr,
        case actor_type when 'User' then 1 when 'SystemPrincipal' then 3 when 'PublicClientApp' then 4 else 0 end
            as user_type_id,
        {{ secfeat.normalize_ip('client_ip_text') }} as src_endpoint_ip,
        case
            when event_type = 'user.authentication.auth_via_radius' then 10
            when sign_on_mode = 'OpenID Connect' then 4
            when sign_on_mode = 'SAML 2.0' then 5
            else 0
        end as auth_protocol_id,
        case when event_type = 'user.authentication.auth_via_mfa' then true end as is_mfa
    from normalized
)

{{ secfeat.map_to_ocsf(
    source_name='okta',
    relation='ocsf_fields',
    record_shape='source_shape',
    vendor_record='log_event_record',
    event_key=['coalesce(event_uuid, md5(raw_line))'],
    routing_checks=[
        {'when': "source_shape = 'eventbridge' and detail_type != 'SystemLog'", 'ignore': 'not_a_system_log_event'},
        {'when': 'event_type is null', 'quarantine': 'missing_event_type'},
        {'when': 'activity_id is null and is_ignored_event_type', 'ignore': 'event_type_not_of_interest'},
        {'when': 'activity_id is null', 'ignore': 'unmapped_event_type'},
    ],
    event_time_text='time_text',
    ip_text='client_ip_text',
    event_checks=[
        {'when': 'outcome_status_id is null', 'quarantine': 'invalid_outcome_result'},
    ],
    user_fields=['actor_alternate_id', 'actor_id'],
    columns=[
        'activity_id', 'severity_id', 'status_id', 'status_code', 'status_detail', 'message', 'event_at',
        'metadata_uid', 'metadata_event_code', 'metadata_product_name', 'metadata_product_vendor_name',
        'user_name', 'user_uid', 'user_domain', 'user_email_addr', 'user_full_name', 'user_type_id',
        'src_endpoint_ip', 'src_endpoint_location_country', 'src_endpoint_location_city',
        'src_endpoint_location_lat', 'src_endpoint_location_long', 'service_name',
        'logon_type_id', 'auth_protocol_id', 'auth_protocol', 'session_uid', 'is_mfa', 'is_remote',
    ],
) }}
