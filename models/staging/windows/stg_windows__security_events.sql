{#-
    One row per raw line of the Windows Security landing files. Logon events
    (4624 success, 4625 failure) are mapped to OCSF Authentication (3002); a row
    that cannot be trusted carries a _quarantine_reason, one deliberately not
    mapped an _ignored_reason. Every raw line appears here exactly once.
-#}
{%- set nxlog_fields = [
    'Channel', 'Hostname', 'RecordNumber', 'EventID', 'EventTime', 'EventReceivedTime', '@timestamp',
    'TargetUserName', 'TargetDomainName', 'TargetUserSid', 'WorkstationName', 'IpAddress', 'IpPort',
    'LogonType', 'AuthenticationPackageName', 'LogonProcessName', 'Status', 'SubStatus',
] -%}
{#- every field read as text, in one parse of the line (->> would re-parse per field) -#}
{%- set record_shape = '{' ~ nxlog_fields | map('tojson') | join(': "VARCHAR", ') ~ ': "VARCHAR"}' -%}
with raw_lines as (
    {{ secfeat.landing_lines('windows') }}
),

parsed as (
    select
        *,
        case
            when json_valid(raw_line) and starts_with(ltrim(raw_line), '{')
                then from_json(raw_line, '{{ record_shape }}')
        end as record
    from raw_lines
),

fields as (
    select
        _source_file,
        _source_line,
        _ingested_at,
        raw_line,
        record,
        struct_extract(record, 'Channel') as channel,
        struct_extract(record, 'Hostname') as hostname,
        struct_extract(record, 'RecordNumber') as record_number,
        struct_extract(record, 'EventTime') as event_time_text,
        struct_extract(record, 'EventReceivedTime') as received_time_text,
        struct_extract(record, '@timestamp') as shipper_timestamp_text,
        struct_extract(record, 'IpAddress') as ip_address_text,
        {{ secfeat.null_if_blank("struct_extract(record, 'TargetUserName')") }} as target_user_name,
        {{ secfeat.null_if_blank("struct_extract(record, 'TargetDomainName')") }} as target_domain_name,
        {{ secfeat.null_if_blank("struct_extract(record, 'TargetUserSid')") }} as target_user_sid,
        {{ secfeat.null_if_blank("struct_extract(record, 'WorkstationName')") }} as workstation_name,
        {{ secfeat.null_if_blank("struct_extract(record, 'AuthenticationPackageName')") }} as authentication_package,
        {{ secfeat.null_if_blank("struct_extract(record, 'LogonProcessName')") }} as logon_process_name,
        lower({{ secfeat.null_if_blank("struct_extract(record, 'Status')") }}) as status_text,
        lower({{ secfeat.null_if_blank("struct_extract(record, 'SubStatus')") }}) as sub_status_text,
        try_cast(struct_extract(record, 'EventID') as integer) as event_id,
        try_cast(struct_extract(record, 'LogonType') as integer) as logon_type_code,
        try_cast({{ secfeat.null_if_blank("struct_extract(record, 'IpPort')") }} as integer) as ip_port
    from parsed
),

timed as (
    select
        *,
        try_strptime(
            event_time_text, ['%Y-%m-%d %H:%M:%S', '%Y-%m-%dT%H:%M:%S', '%Y-%m-%d %H:%M:%S.%f']
        ) as event_time_local,
        -- A log shipper's UTC @timestamp next to NXLog's local EventReceivedTime
        -- gives the collector's UTC offset away, to the nearest quarter hour.
        round(
            epoch(
                timezone('UTC', try_cast(shipper_timestamp_text as timestamptz))
                - try_strptime(received_time_text, '%Y-%m-%d %H:%M:%S')
            ) / 900
        ) * 900 as shipper_offset_seconds
    from fields
),

normalized as (
    select
        *,
        case
            when abs(shipper_offset_seconds) <= 14 * 3600
                then event_time_local + to_seconds(shipper_offset_seconds::bigint)
            else {{ secfeat.local_to_utc('event_time_local', var('windows_time_zone')) }}
        end as event_at,
        {{ secfeat.normalize_ip('ip_address_text') }} as src_endpoint_ip,
        {{ secfeat.is_unparseable_ip('ip_address_text') }} as is_unparseable_ip
    from timed
),

classified as (
    select
        *,
        case
            when record is null and trim(raw_line) != '' then 'malformed_json'
            when record is null then null
            when event_id is null then 'missing_event_id'
            when coalesce(channel, '') != 'Security' then null
            when event_id not in (4624, 4625) then null
            when event_time_text is null then 'missing_timestamp'
            when event_at is null then 'unparseable_timestamp'
            when {{ secfeat.is_from_the_future('event_at', '_ingested_at') }} then 'future_timestamp'
            when is_unparseable_ip then 'unparseable_ip'
            when target_user_name is null then 'missing_user'
        end as _quarantine_reason
    from normalized
),

final as (
    select
        -- lineage and routing
        md5(concat_ws('|', 'windows', lower(hostname), record_number, event_id)) as event_uid,
        'windows' as source_name,
        _source_file,
        _source_line,
        _quarantine_reason,
        case
            when _quarantine_reason is not null then null
            when trim(raw_line) = '' then 'blank_line'
            when coalesce(channel, '') != 'Security' then 'not_security_channel'
            when event_id not in (4624, 4625) then 'unmapped_event_id'
        end as _ignored_reason,
        raw_line,

        -- OCSF Authentication (3002)
        3002 as class_uid,
        3 as category_uid,
        1 as activity_id,
        300201 as type_uid,
        record_number as metadata_uid,
        target_user_sid as user_uid,
        target_user_name as user_name,
        target_domain_name as user_domain,
        null::varchar as user_email_addr,
        src_endpoint_ip,
        workstation_name as src_endpoint_hostname,
        null::varchar as src_endpoint_location_country,
        lower(hostname) as dst_endpoint_hostname,
        case event_id when 4624 then 'Success' when 4625 then 'Failure' end as status,
        status_text as status_code,
        case coalesce(nullif(sub_status_text, '0x0'), status_text)
            when '0xc000006a' then 'INVALID_CREDENTIALS'
            when '0xc0000064' then 'USER_DOES_NOT_EXIST'
            when '0xc0000234' then 'ACCOUNT_LOCKED_OUT'
            when '0xc0000072' then 'ACCOUNT_DISABLED'
            when '0xc0000071' then 'PASSWORD_EXPIRED'
            when '0xc0000070' then 'INVALID_WORKSTATION'
            when '0xc000006f' then 'INVALID_LOGON_HOURS'
            when '0xc0000193' then 'ACCOUNT_EXPIRED'
            when '0xc0000224' then 'PASSWORD_MUST_CHANGE'
            when '0xc000015b' then 'LOGON_TYPE_NOT_GRANTED'
            else coalesce(nullif(sub_status_text, '0x0'), status_text)
        end as status_detail,
        authentication_package as auth_protocol,
        logon_process_name,
        'Microsoft Windows' as metadata_product_name,
        'Microsoft' as metadata_product_vendor_name,
        {{ secfeat.ocsf_version() }} as metadata_version,
        case event_id when 4624 then 1 when 4625 then 2 else 0 end as status_id,
        1 as severity_id,
        case
            when logon_type_code is null then 0
            when logon_type_code = 0 then 1
            when logon_type_code in (2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 13) then logon_type_code
            else 99
        end as logon_type_id,
        case lower(authentication_package)
            when 'ntlm' then 1
            when 'kerberos' then 2
            when 'microsoft_authentication_package_v1_0' then 1
            else case when authentication_package is null then 0 else 99 end
        end as auth_protocol_id,
        ip_port as src_endpoint_port,
        event_id as vendor_event_code,
        null::boolean as is_mfa,
        coalesce(logon_type_code in (3, 8, 10, 12), false) as is_remote,
        event_at,
        _ingested_at
    from classified
)

select * from final
