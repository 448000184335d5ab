{#-
    One row per raw line of the Windows Security landing files (NXLog JSON).
    Mapped to OCSF: logons/logoffs and Kerberos/NTLM credential checks to
    Authentication (3002), special privileges (4672) to Authorize Session
    (3003), process creation/exit (4688/4689) to Process Activity (1007).
    A row that cannot be trusted carries a _quarantine_reason, a Security
    event id in var windows_ignored_event_ids an _ignored_reason; any other
    Security event id is quarantined as unmapped, so nothing passes unseen.
-#}
{%- set nxlog_fields = [
    'Channel', 'Hostname', 'RecordNumber', 'EventID', 'EventTime', 'EventReceivedTime', '@timestamp',
    'TargetUserName', 'TargetDomainName', 'TargetUserSid', 'TargetLogonId', 'WorkstationName', 'Workstation',
    'IpAddress', 'IpPort', 'LogonType', 'AuthenticationPackageName', 'PackageName', 'LogonProcessName',
    'Status', 'SubStatus', 'ServiceName',
    'SubjectUserName', 'SubjectDomainName', 'SubjectUserSid', 'SubjectLogonId', 'PrivilegeList',
    'NewProcessId', 'NewProcessName', 'ProcessId', 'ProcessName', 'ParentProcessName', 'CommandLine',
] -%}
{#- every field read as text, in one parse of the line (->> would re-parse per field) -#}
{%- set record_shape = '{' ~ nxlog_fields | map('tojson') | join(': "VARCHAR", ') ~ ': "VARCHAR"}' -%}
{%- set event_classes = {
    4624: (3002, 1), 4625: (3002, 1), 4634: (3002, 2), 4647: (3002, 2),
    4768: (3002, 3), 4769: (3002, 4), 4771: (3002, 6), 4776: (3002, 99),
    4672: (3003, 1),
    4688: (1007, 1), 4689: (1007, 2),
} -%}
with raw_lines as (
    {{ secfeat.landing_line_records('windows') }}
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
        {{ secfeat.landing_record_columns() }},
        record,
        struct_extract(record, 'Channel') as channel,
        lower(struct_extract(record, 'Hostname')) as hostname,
        struct_extract(record, 'RecordNumber') as record_number,
        struct_extract(record, 'EventTime') as event_time_text,
        struct_extract(record, 'IpAddress') as ip_address_text,
        try_cast(struct_extract(record, 'EventID') as integer) as event_id,
        timezone('UTC', try_cast(struct_extract(record, '@timestamp') as timestamptz)) as shipper_at,
        try_strptime(struct_extract(record, 'EventReceivedTime'), '%Y-%m-%d %H:%M:%S') as received_at,
        {%- for field in [
            'TargetUserName', 'TargetDomainName', 'TargetUserSid', 'TargetLogonId', 'WorkstationName',
            'Workstation', 'AuthenticationPackageName', 'PackageName', 'LogonProcessName', 'ServiceName',
            'SubjectUserName', 'SubjectDomainName', 'SubjectUserSid', 'SubjectLogonId', 'PrivilegeList',
            'NewProcessName', 'ProcessName', 'ParentProcessName', 'CommandLine',
        ] %}
            {{ secfeat.null_if_blank("struct_extract(record, '" ~ field ~ "')") }}
                as {{ modules.re.sub('(?<!^)(?=[A-Z])', '_', field) | lower }},
        {%- endfor %}
        lower({{ secfeat.null_if_blank("struct_extract(record, 'Status')") }}) as status_text,
        lower({{ secfeat.null_if_blank("struct_extract(record, 'SubStatus')") }}) as sub_status_text,
        try_cast(struct_extract(record, 'LogonType') as integer) as logon_type_code,
        try_cast({{ secfeat.null_if_blank("struct_extract(record, 'IpPort')") }} as integer) as ip_port,
        -- process ids are hex ('0x1a2c')
        try_cast({{ secfeat.null_if_blank("struct_extract(record, 'NewProcessId')") }} as bigint) as new_process_id,
        try_cast({{ secfeat.null_if_blank("struct_extract(record, 'ProcessId')") }} as bigint) as process_id
    from parsed
),

timed as (
    select
        *,
        try_strptime(
            event_time_text, ['%Y-%m-%d %H:%M:%S', '%Y-%m-%dT%H:%M:%S', '%Y-%m-%d %H:%M:%S.%f']
        ) as event_time_local,
        -- A log shipper's UTC @timestamp next to NXLog's local EventReceivedTime
        -- gives the collector's UTC offset away, to the nearest quarter hour;
        -- only two real times ('infinity' is none) have a difference at all.
        case
            when
                shipper_at between timestamp '0001-01-01' and timestamp '9999-12-31'
                and received_at between timestamp '0001-01-01' and timestamp '9999-12-31'
                then round(epoch(shipper_at - received_at) / 900) * 900
        end as shipper_offset_seconds,
        case event_id
            {%- for event_id, (class_uid, activity_id) in event_classes.items() %}
                when {{ event_id }} then {{ class_uid }}
            {%- endfor %}
        end as class_uid,
        case event_id
            {%- for event_id, (class_uid, activity_id) in event_classes.items() %}
                when {{ event_id }} then {{ activity_id }}
            {%- endfor %}
        end as activity_id,
        -- the account an event is about: the target of a logon, the subject of
        -- a privilege assignment or a process; Kerberos writes user@REALM
        coalesce(
            case when event_id in (4672, 4688, 4689) then subject_user_name else target_user_name end,
            subject_user_name
        ) as account_text,
        case when event_id in (4672, 4688, 4689) then subject_domain_name else target_domain_name end
            as account_domain,
        case when event_id in (4672, 4688, 4689) then subject_user_sid else target_user_sid end as account_sid
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
        split_part(account_text, '@', 1) as account_name,
        coalesce(account_domain, nullif(split_part(account_text, '@', 2), '')) as account_domain_name,
        {{ secfeat.normalize_ip('ip_address_text') }} as src_endpoint_ip,
        -- Status is NTSTATUS for logons and NTLM, a Kerberos result code for 4768-4771
        coalesce(nullif(sub_status_text, '0x0'), status_text) as failure_code
    from timed
),

outcomes as (
    select
        *,
        case
            when event_id in (4625, 4771) then 2
            when event_id in (4768, 4769, 4776) and failure_code not in ('0x0', '0') then 2
            else 1
        end as status_id,
        case
            when event_id in (4768, 4769, 4771)
                then
                    case failure_code
                        when '0x6' then 'USER_DOES_NOT_EXIST'
                        when '0x12' then 'ACCOUNT_DISABLED_EXPIRED_OR_LOCKED'
                        when '0x17' then 'PASSWORD_EXPIRED'
                        when '0x18' then 'INVALID_CREDENTIALS'
                        when '0x25' then 'CLOCK_SKEW_TOO_GREAT'
                        when '0x0' then null
                        else failure_code
                    end
            else
                case failure_code
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
                    when '0x0' then null
                    else failure_code
                end
        end as status_detail,
        coalesce(authentication_package_name, package_name) as authentication_package
    from normalized
),

ocsf_fields as (
    select
        -- NXLog ProcessName and ParentProcessName are paths: the OCSF names are the file names
        * exclude (process_name, parent_process_name),
        1 as severity_id,
        status_text as status_code,
        record_number as metadata_uid,
        'Microsoft Windows' as metadata_product_name,
        'Microsoft' as metadata_product_vendor_name,
        account_name as user_name,
        account_sid as user_uid,
        account_domain_name as user_domain,
        subject_user_name as actor_user_name,
        subject_user_sid as actor_user_uid,
        ip_port as src_endpoint_port,
        hostname as dst_endpoint_hostname,
        service_name as dst_endpoint_svc_name,
        authentication_package as auth_protocol,
        subject_logon_id as session_uid_alt,
        subject_domain_name as actor_user_domain,
        subject_logon_id as actor_session_uid_alt,
        hostname as device_hostname,
        0 as device_type_id,
        command_line as process_cmd_line,
        parent_process_name as parent_process_file_path,
        event_id::varchar as metadata_event_code,
        case when account_name like '%$' then 3 else 1 end as user_type_id,
        coalesce(workstation_name, workstation) as src_endpoint_hostname,
        case
            when logon_type_code is null then 0
            when logon_type_code = 0 then 1
            when logon_type_code in (2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 13) then logon_type_code
            else 99
        end as logon_type_id,
        case
            when event_id in (4768, 4769, 4771) then 2
            when lower(authentication_package) in ('ntlm', 'microsoft_authentication_package_v1_0') then 1
            when lower(authentication_package) = 'kerberos' then 2
            when authentication_package is null then 0
            else 99
        end as auth_protocol_id,
        coalesce(target_logon_id, subject_logon_id) as session_uid,
        coalesce(logon_type_code in (3, 8, 10, 12), false) as is_remote,
        regexp_split_to_array(privilege_list, '\s+') as privileges,
        coalesce(new_process_id, process_id) as process_pid,
        regexp_extract(coalesce(new_process_name, process_name), '[^\\]+$') as process_name,
        regexp_extract(coalesce(new_process_name, process_name), '[^\\]+$') as process_file_name,
        coalesce(new_process_name, process_name) as process_file_path,
        -- OCSF file type 8: Executable File
        case when coalesce(new_process_name, process_name) is not null then 8 end as process_file_type_id,
        case when event_id = 4688 then process_id end as parent_process_pid,
        regexp_extract(parent_process_name, '[^\\]+$') as parent_process_name,
        regexp_extract(parent_process_name, '[^\\]+$') as parent_process_file_name,
        case when parent_process_name is not null then 8 end as parent_process_file_type_id,
        case when event_id = 4688 then 1 end as launch_type_id,
        case when event_id = 4689 then try_cast(status_text as integer) end as exit_code
    from outcomes
)

{#- RecordNumber is the event log's sequence number; where a shipper leaves it
    out, the line itself identifies the event, so distinct events without one
    are not taken for copies of each other -#}
{{ secfeat.map_to_ocsf(
    source_name='windows',
    relation='ocsf_fields',
    event_key=['hostname', 'coalesce(record_number, md5(raw_line))', 'event_id'],
    routing_checks=[
        secfeat.landing_framing_check(),
        {'when': "record is null and trim(raw_line) != ''", 'quarantine': 'malformed_json'},
        {'when': 'record is null', 'ignore': 'blank_line'},
        {'when': 'event_id is null', 'quarantine': 'missing_event_id'},
        {'when': "coalesce(channel, '') != 'Security'", 'ignore': 'not_security_channel'},
        {
            'when': 'event_id in (' ~ var('windows_ignored_event_ids') | join(', ') ~ ')',
            'ignore': 'event_id_not_of_interest',
        },
        {'when': 'class_uid is null', 'quarantine': 'unmapped_event_id'},
    ],
    event_time_text='event_time_text',
    ip_text='ip_address_text',
    user_fields=['account_name'],
    columns=[
        'class_uid', 'activity_id', 'severity_id', 'status_id', 'status_code', 'status_detail', 'event_at',
        'metadata_uid', 'metadata_event_code', 'metadata_product_name', 'metadata_product_vendor_name',
        'user_name', 'user_uid', 'user_domain', 'user_type_id', 'actor_user_name', 'actor_user_uid',
        'src_endpoint_ip', 'src_endpoint_port', 'src_endpoint_hostname', 'dst_endpoint_hostname',
        'dst_endpoint_svc_name', 'logon_type_id', 'auth_protocol_id', 'auth_protocol', 'logon_process_name',
        'session_uid', 'is_remote', 'privileges', 'session_uid_alt',
        'actor_user_domain', 'actor_session_uid_alt', 'device_hostname', 'device_type_id', 'process_pid',
        'process_name', 'process_file_name', 'process_file_path', 'process_file_type_id', 'process_cmd_line',
        'parent_process_pid', 'parent_process_name', 'parent_process_file_name', 'parent_process_file_path',
        'parent_process_file_type_id', 'launch_type_id', 'exit_code',
    ],
) }}
