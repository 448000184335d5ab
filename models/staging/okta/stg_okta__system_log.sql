{#-
    One row per Okta System Log LogEvent. Sign-ins (user.session.start,
    user.authentication.*, policy.evaluate_sign_on) and sign-outs
    (user.session.end) are OCSF Authentication (3002). outcome.result
    SUCCESS/ALLOW is success, FAILURE/DENY failure, CHALLENGE (an MFA prompt)
    and SKIPPED other, UNKNOWN unknown; any other value is quarantined.
    Event types under var okta_ignored_event_type_prefixes are ignored by
    reason; any other unmapped type is quarantined.
-#}
{%- set event_fields = [
    'uuid', 'published', 'eventType', 'version', 'severity', 'displayMessage', 'legacyEventType',
] -%}
{%- set event_objects = ['actor', 'client', 'outcome', 'authenticationContext', 'debugContext', 'securityContext'] -%}
{%- set record_shape = '{' ~ (event_fields | map('tojson') | join(': "VARCHAR", ')) ~ ': "VARCHAR", '
    ~ (event_objects | map('tojson') | join(': "JSON", ')) ~ ': "JSON"}' -%}
with raw_records as (
    {{ secfeat.landing_json_records('okta') }}
),

country_codes as (
    select
        country_code,
        lower(country_name) as country_name
    from {{ ref('country_codes') }}
),

parsed as (
    select
        *,
        from_json(record, '{{ record_shape }}') as log_event
    from raw_records
),

fields as (
    select
        {{ secfeat.landing_json_record_columns() }},
        log_event,
        struct_extract(log_event, 'uuid') as event_uuid,
        struct_extract(log_event, 'published') as published_text,
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
        {{ secfeat.iso_to_utc('published_text') }} as event_at,
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
        case outcome_result
            when 'SUCCESS' then 1
            when 'ALLOW' then 1
            when 'FAILURE' then 2
            when 'DENY' then 2
            when 'CHALLENGE' then 99
            when 'SKIPPED' then 99
            when 'UNKNOWN' then 0
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
    event_key=['coalesce(event_uuid, md5(raw_line))'],
    routing_checks=[
        secfeat.landing_framing_check(),
        {'when': 'event_type is null', 'quarantine': 'missing_event_type'},
        {'when': 'activity_id is null and is_ignored_event_type', 'ignore': 'event_type_not_of_interest'},
        {'when': 'activity_id is null', 'quarantine': 'unmapped_event_type'},
    ],
    event_time_text='published_text',
    ip_text='client_ip_text',
    event_checks=[
        {'when': 'outcome_result is null', 'quarantine': 'missing_outcome'},
        {'when': 'outcome_status_id is null', 'quarantine': 'unknown_outcome_result'},
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
