{#-
    One row per Entra ID sign-in, in any of the shapes it is shipped in, told
    apart record by record:
      diagnostic_settings  Azure Monitor's export (diagnostic settings to a
                           storage account or Event Hubs; one per line or
                           {"records": [...]}), the Graph signIn in
                           `properties`;
      graph_api            a signIn as Microsoft Graph's GET
                           /auditLogs/signIns returns it, one per line or a
                           response page ({"value": [...]}).
    The time is the signIn's createdDateTime, else the export's `time`. The
    log category is the export's; a Graph signIn's is named the same way after
    its signInEventTypes (v1.0 lists interactive user sign-ins: SignInLogs).
    Every sign-in category is OCSF Authentication (3002) Logon. Error code 0
    is success; codes in var entra_failure_error_codes are failures; codes in
    var entra_interrupt_error_codes (MFA or "stay signed in" prompts) are
    status Other and never failed logins; any other code (Entra has
    thousands) is status Unknown, its code kept. Records of other Azure log
    categories are ignored by reason.
-#}
{%- set export_struct = '{"time": "VARCHAR", "category": "VARCHAR", "resultType": "VARCHAR", '
    ~ '"resultDescription": "VARCHAR", "callerIpAddress": "VARCHAR", "location": "VARCHAR", '
    ~ '"operationName": "VARCHAR"}' -%}
{%- set sign_in_fields = [
    'id', 'createdDateTime', 'userPrincipalName', 'userId', 'userDisplayName', 'userType', 'appId',
    'appDisplayName', 'ipAddress', 'isInteractive', 'authenticationRequirement', 'authenticationProtocol',
    'resourceDisplayName', 'servicePrincipalId', 'servicePrincipalName', 'correlationId',
] -%}
{%- set sign_in_struct = '{' ~ (sign_in_fields | map('tojson') | join(': "VARCHAR", ')) ~ ': "VARCHAR", '
    ~ '"status": "JSON", "location": "JSON", "signInEventTypes": "VARCHAR[]"}' -%}
with raw_records as (
    {{ secfeat.landing_json_records('entra', batch_keys=['value', 'Records', 'records']) }}
),

shaped as (
    select
        *,
        case
            -- Azure Monitor's resource-log schema: time, category, operationName, properties, ...
            when json_exists(record, '$.category') or json_exists(record, '$.operationName') then 'diagnostic_settings'
            when
                json_exists(record, '$.createdDateTime')
                or json_exists(record, '$.userPrincipalName')
                or json_exists(record, '$.status')
                then 'graph_api'
        end as source_shape
    from raw_records
),

parsed as (
    select
        *,
        case when source_shape = 'diagnostic_settings' then from_json(record, '{{ export_struct }}') end
            as export_record,
        from_json(
            case when source_shape = 'diagnostic_settings' then record -> '$.properties' else record end,
            '{{ sign_in_struct }}'
        ) as sign_in
    from shaped
),

fields as (
    select
        {{ secfeat.landing_json_record_columns() }},
        source_shape,
        export_record,
        -- Graph names the log a sign-in belongs to in signInEventTypes (beta); v1.0 lists interactive ones only
        case source_shape
            when 'diagnostic_settings' then struct_extract(export_record, 'category')
            when 'graph_api' then
                case
                    when list_contains(struct_extract(sign_in, 'signInEventTypes'), 'servicePrincipal')
                        then 'ServicePrincipalSignInLogs'
                    when list_contains(struct_extract(sign_in, 'signInEventTypes'), 'managedIdentity')
                        then 'ManagedIdentitySignInLogs'
                    when
                        list_contains(struct_extract(sign_in, 'signInEventTypes'), 'nonInteractiveUser')
                        or lower(struct_extract(sign_in, 'isInteractive')) = 'false'
                        then 'NonInteractiveUserSignInLogs'
                    else 'SignInLogs'
                end
        end as category,
        struct_extract(sign_in, 'id') as sign_in_id,
        coalesce(
            {{ secfeat.null_if_blank("struct_extract(sign_in, 'createdDateTime')") }},
            {{ secfeat.null_if_blank("struct_extract(export_record, 'time')") }}
        ) as time_text,
        {{ secfeat.null_if_blank("struct_extract(sign_in, 'userPrincipalName')") }} as user_principal_name,
        {{ secfeat.null_if_blank("struct_extract(sign_in, 'servicePrincipalName')") }} as service_principal_name,
        {{ secfeat.null_if_blank("struct_extract(sign_in, 'userId')") }} as user_id,
        {{ secfeat.null_if_blank("struct_extract(sign_in, 'servicePrincipalId')") }} as service_principal_id,
        struct_extract(sign_in, 'userDisplayName') as user_display_name,
        struct_extract(sign_in, 'appDisplayName') as app_display_name,
        struct_extract(sign_in, 'resourceDisplayName') as resource_display_name,
        nullif(lower(struct_extract(sign_in, 'authenticationProtocol')), 'none') as authentication_protocol,
        struct_extract(sign_in, 'authenticationRequirement') as authentication_requirement,
        struct_extract(sign_in, 'correlationId') as correlation_id,
        coalesce(
            {{ secfeat.null_if_blank("struct_extract(sign_in, 'ipAddress')") }},
            {{ secfeat.null_if_blank("struct_extract(export_record, 'callerIpAddress')") }}
        ) as ip_text,
        coalesce(
            {{ secfeat.null_if_blank("struct_extract(sign_in, 'location') ->> '$.countryOrRegion'") }},
            {{ secfeat.null_if_blank("struct_extract(export_record, 'location')") }}
        ) as country_code,
        struct_extract(sign_in, 'location') ->> '$.city' as city,
        try_cast(struct_extract(sign_in, 'location') ->> '$.geoCoordinates.latitude' as double) as latitude,
        try_cast(struct_extract(sign_in, 'location') ->> '$.geoCoordinates.longitude' as double) as longitude,
        coalesce(
            struct_extract(sign_in, 'status') ->> '$.errorCode', struct_extract(export_record, 'resultType')
        ) as error_code_text,
        coalesce(
            {{ secfeat.null_if_blank("struct_extract(sign_in, 'status') ->> '$.failureReason'") }},
            {{ secfeat.null_if_blank("struct_extract(export_record, 'resultDescription')") }}
        ) as failure_reason,
        struct_extract(sign_in, 'status') ->> '$.additionalDetails' as additional_details
    from parsed
),

normalized as (
    select
        *,
        {{ secfeat.iso_to_utc('time_text') }} as event_at,
        try_cast(error_code_text as bigint) as error_code,
        -- workload identities sign in too; their name is the service principal's
        coalesce(user_principal_name, service_principal_name) as principal_name,
        coalesce(user_id, service_principal_id) as principal_id,
        coalesce(category, '') ilike '%ServicePrincipal%' or coalesce(category, '') ilike '%ManagedIdentity%'
            as is_workload_identity,
        {{ secfeat.normalize_ip('ip_text') }} as src_endpoint_ip
    from fields
),

outcomes as (
    select
        *,
        case
            when error_code = 0 then 1
            when error_code in ({{ var('entra_failure_error_codes') | join(', ') }}) then 2
            when error_code in ({{ var('entra_interrupt_error_codes') | join(', ') }}) then 99
            -- a code nobody here classified (Entra has thousands): an attempt of unknown outcome
            when error_code is not null then 0
        end as status_id
    from normalized
),

ocsf_fields as (
    select
        *,
        1 as activity_id,
        1 as severity_id,
        error_code_text as status_code,
        sign_in_id as metadata_uid,
        category as metadata_event_code,
        'Entra ID' as metadata_product_name,
        'Microsoft' as metadata_product_vendor_name,
        principal_id as user_uid,
        user_display_name as user_full_name,
        city as src_endpoint_location_city,
        latitude as src_endpoint_location_lat,
        longitude as src_endpoint_location_long,
        resource_display_name as dst_endpoint_svc_name,
        app_display_name as service_name,
        99 as logon_type_id,
        authentication_protocol as auth_protocol,
        correlation_id as session_uid,
        true as is_remote,
        concat_ws(': ', failure_reason, nullif(additional_details, '')) as status_detail,
        split_part(principal_name, '@', 1) as user_name,
        nullif(split_part(principal_name, '@', 2), '') as user_domain,
        case when principal_name like '%@%' then principal_name end as user_email_addr,
        case when is_workload_identity then 4 else 1 end as user_type_id,
        upper(country_code) as src_endpoint_location_country,
        case authentication_protocol
            when 'saml20' then 5
            when 'wsfederation' then 99
            when 'ropc' then 99
            when 'devicecode' then 6
            when 'oauth2' then 6
            when 'ntlm' then 1
            when 'kerberos' then 2
            else case when authentication_protocol is null then 0 else 99 end
        end as auth_protocol_id,
        authentication_requirement = 'multiFactorAuthentication' as is_mfa
    from outcomes
)

{#- one sign-in id appears once per log category: the key takes the category too -#}
{{ secfeat.map_to_ocsf(
    source_name='entra',
    relation='ocsf_fields',
    record_shape='source_shape',
    vendor_record="json_merge_patch(
        case when source_shape = 'diagnostic_settings' then record -> '$.properties' else record end,
        json_object(
            'resultType', coalesce(record ->> '$.resultType', record ->> '$.status.errorCode'),
            'resultDescription', coalesce(record ->> '$.resultDescription', record ->> '$.status.failureReason'),
            'resultSignature', record ->> '$.resultSignature',
            'operationName', record ->> '$.operationName',
            'category', record ->> '$.category'
        )
    )",
    event_key=['coalesce(sign_in_id, md5(raw_line))', 'category', 'time_text', 'error_code_text'],
    routing_checks=[
        {'when': "category is not null and category not ilike '%SignInLogs'", 'ignore': 'not_a_sign_in_log'},
    ],
    event_time_text='time_text',
    ip_text='ip_text',
    event_checks=[
        {'when': 'error_code_text is null', 'quarantine': 'missing_result_code'},
        {'when': 'status_id is null', 'quarantine': 'unparseable_result_code'},
    ],
    user_fields=['principal_name', 'principal_id'],
    columns=[
        'activity_id', 'severity_id', 'status_id', 'status_code', 'status_detail', 'event_at', 'metadata_uid',
        'metadata_event_code', 'metadata_product_name', 'metadata_product_vendor_name',
        'user_name', 'user_uid', 'user_domain', 'user_email_addr', 'user_full_name', 'user_type_id',
        'src_endpoint_ip', 'src_endpoint_location_country', 'src_endpoint_location_city',
        'src_endpoint_location_lat', 'src_endpoint_location_long', 'dst_endpoint_svc_name', 'service_name', 'logon_type_id', 'auth_protocol_id', 'auth_protocol',
        'session_uid', 'is_mfa', 'is_remote',
    ],
) }}
