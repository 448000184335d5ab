{#-
    One row per CloudTrail record. Sign-ins and role assumptions (ConsoleLogin,
    IAM Identity Center credential checks, AssumeRole*) are OCSF Authentication
    (3002); every other management or data event is API Activity (6003).
    The time is `eventTime`, or `@timestamp` where a log shipper moved it.
-#}
{%- set authentication_events = [
    'ConsoleLogin', 'ExternalIdPDirectoryLogin', 'CredentialChallenge', 'CredentialVerification',
    'UserAuthentication', 'SwitchRole', 'AssumeRole', 'AssumeRoleWithSAML', 'AssumeRoleWithWebIdentity',
] -%}
{%- set trail_fields = [
    'eventTime', '@timestamp', 'eventSource', 'eventName', 'eventID', 'eventType', 'eventVersion',
    'awsRegion', 'sourceIPAddress', 'userAgent', 'errorCode', 'errorMessage', 'requestID',
    'recipientAccountId', 'readOnly',
] -%}
{%- set trail_objects = [
    'userIdentity', 'requestParameters', 'responseElements', 'additionalEventData', 'serviceEventDetails',
] -%}
{%- set record_shape = '{' ~ (trail_fields | map('tojson') | join(': "VARCHAR", ')) ~ ': "VARCHAR", '
    ~ (trail_objects | map('tojson') | join(': "JSON", ')) ~ ': "JSON"}' -%}
with raw_records as (
    {{ secfeat.landing_json_records('cloudtrail') }}
),

parsed as (
    select
        *,
        from_json(record, '{{ record_shape }}') as trail
    from raw_records
),

fields as (
    select
        {{ secfeat.landing_json_record_columns() }},
        trail,
        struct_extract(trail, 'eventName') as event_name,
        struct_extract(trail, 'eventID') as event_id,
        struct_extract(trail, 'eventSource') as event_source,
        struct_extract(trail, 'awsRegion') as aws_region,
        struct_extract(trail, 'userAgent') as user_agent,
        struct_extract(trail, 'requestID') as request_id,
        struct_extract(trail, 'recipientAccountId') as recipient_account_id,
        {{ secfeat.null_if_blank("struct_extract(trail, 'errorCode')") }} as error_code,
        {{ secfeat.null_if_blank("struct_extract(trail, 'errorMessage')") }} as error_message,
        coalesce(struct_extract(trail, 'eventTime'), struct_extract(trail, '@timestamp')) as event_time_text,
        lower(struct_extract(trail, 'readOnly')) = 'true' as is_read_only,
        {{ secfeat.null_if_blank("struct_extract(trail, 'sourceIPAddress')") }} as source_address,
        struct_extract(trail, 'userIdentity') ->> '$.type' as identity_type,
        struct_extract(trail, 'userIdentity') ->> '$.arn' as identity_arn,
        struct_extract(trail, 'userIdentity') ->> '$.principalId' as identity_principal_id,
        struct_extract(trail, 'userIdentity') ->> '$.accountId' as identity_account_id,
        struct_extract(trail, 'userIdentity') ->> '$.accessKeyId' as identity_access_key_id,
        struct_extract(trail, 'userIdentity') ->> '$.invokedBy' as identity_invoked_by,
        coalesce(
            struct_extract(trail, 'userIdentity') ->> '$.userName',
            struct_extract(trail, 'userIdentity') ->> '$.sessionContext.sessionIssuer.userName'
        ) as identity_user_name,
        struct_extract(trail, 'userIdentity') ->> '$.sessionContext.attributes.mfaAuthenticated'
            as identity_mfa_authenticated,
        struct_extract(trail, 'requestParameters') ->> '$.roleArn' as requested_role_arn,
        struct_extract(trail, 'requestParameters') ->> '$.roleSessionName' as requested_session_name,
        struct_extract(trail, 'responseElements') ->> '$.assumedRoleUser.arn' as assumed_role_arn,
        struct_extract(trail, 'additionalEventData') ->> '$.MFAUsed' as mfa_used,
        struct_extract(trail, 'additionalEventData') ->> '$.LoginTo' as login_to,
        struct_extract(trail, 'additionalEventData') ->> '$.UserName' as identity_center_user_name,
        -- the sign-in's own verdict, wherever this event type writes it
        coalesce(
            struct_extract(trail, 'responseElements') ->> ('$.' || struct_extract(trail, 'eventName')),
            struct_extract(trail, 'serviceEventDetails') ->> ('$.' || struct_extract(trail, 'eventName'))
        ) as sign_in_result
    from parsed
),

normalized as (
    select
        *,
        {{ secfeat.iso_to_utc('event_time_text') }} as event_at,
        event_name in (
            {%- for name in authentication_events %}
                '{{ name }}'{% if not loop.last %},{% endif %}
            {%- endfor %}
        ) as is_authentication,
        -- sourceIPAddress is an IP, or a service's DNS name (ec2.amazonaws.com, AWS Internal)
        case
            when regexp_full_match(source_address, '[0-9.]+|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*')
                then {{ secfeat.normalize_ip('source_address') }}
        end as source_ip,
        case
            when not regexp_full_match(source_address, '[0-9.]+|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*')
                then source_address
        end as source_domain,
        -- an assumed role's user is the role; the actor is who assumed it
        case
            when event_name like 'AssumeRole%' then requested_session_name
            else coalesce(
                identity_user_name,
                identity_center_user_name,
                case when identity_type = 'Root' then 'root' end,
                nullif(regexp_extract(identity_arn, '[^/:]+$'), '')
            )
        end as account_name,
        case when event_name like 'AssumeRole%' then requested_role_arn else identity_arn end as account_uid
    from fields
),

classified as (
    select
        *,
        case
            when record is null then _record_quarantine_reason
            when event_name is null then 'missing_event_name'
            when event_time_text is null then 'missing_timestamp'
            when event_at is null then 'unparseable_timestamp'
            when {{ secfeat.is_from_the_future('event_at', '_ingested_at') }} then 'future_timestamp'
            when
                source_address is not null and source_domain is null
                and {{ secfeat.is_unparseable_ip('source_address') }} then 'unparseable_ip'
            when is_authentication and sign_in_result is not null and sign_in_result not in ('Success', 'Failure')
                then 'unknown_sign_in_result'
            when is_authentication and account_name is null and account_uid is null then 'missing_user'
        end as _quarantine_reason
    from normalized
),

final as (
    select
        -- routing and lineage
        'cloudtrail' as source_name,
        _source_file,
        _source_line,
        _source_record,
        _ingested_at,
        _quarantine_reason,
        case
            when _quarantine_reason is not null then null
            when record is null then _record_ignored_reason
        end as _ignored_reason,
        raw_line,

        -- every class; eventID alone is not trusted to be unique (test
        -- fixtures reuse it), so the key takes what identifies the call too
        md5(concat_ws(
            '|', 'cloudtrail', coalesce(event_id, md5(raw_line)), event_time_text, event_name,
            coalesce(identity_arn, identity_principal_id, '')
        )) as event_uid,
        case when is_authentication then 3002 else 6003 end as class_uid,
        case when is_authentication then 3 else 6 end as category_uid,
        case
            when is_authentication then 1
            when is_read_only or regexp_matches(event_name, '^(Get|List|Describe|Head|Lookup|Search|Select)')
                then 2
            when regexp_matches(event_name, '^(Create|Run|Allocate|Import|Register|Upload|Copy|Issue)') then 1
            when regexp_matches(
                event_name, '^(Delete|Remove|Terminate|Detach|Disassociate|Deregister|Release|Revoke)'
            ) then 4
            when regexp_matches(
                event_name,
                '^(Update|Put|Modify|Set|Change|Attach|Associate|Add|Enable|Disable|Start|Stop|Reboot|Reset|Tag|Untag)'
            ) then 3
            else 99
        end as activity_id,
        class_uid * 100 + activity_id as type_uid,
        1 as severity_id,
        case
            when sign_in_result = 'Success' then 1
            when sign_in_result = 'Failure' then 2
            when error_code is not null then 2
            else 1
        end as status_id,
        error_code as status_code,
        coalesce(error_message, case when sign_in_result = 'Failure' then 'Failed authentication' end)
            as status_detail,
        null::varchar as message,
        event_at,
        event_id as metadata_uid,
        event_name as metadata_event_code,
        'CloudTrail' as metadata_product_name,
        'AWS' as metadata_product_vendor_name,
        {{ secfeat.ocsf_version() }} as metadata_version,

        -- Authentication (3002)
        account_name as user_name,
        account_uid as user_uid,
        null::varchar as user_domain,
        null::varchar as user_email_addr,
        null::varchar as user_full_name,
        case
            when event_name like 'AssumeRole%' then 99
            when identity_type in ('IAMUser', 'IdentityCenterUser', 'Root') then 1
            when identity_type = 'AWSService' then 4
            else 0
        end as user_type_id,
        coalesce(identity_user_name, identity_invoked_by) as actor_user_name,
        identity_arn as actor_user_uid,
        source_ip as src_endpoint_ip,
        null::integer as src_endpoint_port,
        null::varchar as src_endpoint_hostname,
        source_domain as src_endpoint_domain,
        null::varchar as src_endpoint_location_country,
        null::varchar as src_endpoint_location_city,
        null::varchar as dst_endpoint_hostname,
        login_to as dst_endpoint_svc_name,
        event_source as service_name,
        0 as logon_type_id,
        case event_name when 'AssumeRoleWithSAML' then 5 when 'AssumeRoleWithWebIdentity' then 4 else 0 end
            as auth_protocol_id,
        null::varchar as auth_protocol,
        null::varchar as logon_process_name,
        assumed_role_arn as session_uid,
        case
            when mfa_used is not null then mfa_used = 'Yes'
            when identity_mfa_authenticated is not null then identity_mfa_authenticated = 'true'
        end as is_mfa,
        true as is_remote,

        -- API Activity (6003)
        identity_type as actor_user_type,
        identity_account_id as actor_user_account_uid,
        identity_access_key_id as actor_user_credential_uid,
        identity_mfa_authenticated = 'true' as actor_session_is_mfa,
        event_name as api_operation,
        event_source as api_service_name,
        request_id as api_request_uid,
        error_code as api_response_error,
        error_message as api_response_message,
        user_agent as http_request_user_agent,
        'AWS' as cloud_provider,
        aws_region as cloud_region,
        coalesce(recipient_account_id, identity_account_id) as cloud_account_uid
    from classified
)

select * from final
