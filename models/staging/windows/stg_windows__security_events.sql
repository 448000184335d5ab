{#-
    One row per Windows Security event record, in any of the shapes Windows
    shippers write, told apart record by record:
      nxlog               NXLog im_msvistalog JSON (EventID, EventTime, the
                          event's data fields at the top level; also the flat
                          exports with TimeCreated instead of EventTime);
      winlogbeat          Winlogbeat 7+/Elastic Agent ECS (winlog.event_id,
                          winlog.event_data.*, @timestamp);
      winlogbeat_legacy   Winlogbeat 6 (event_id, event_data.*, computer_name);
      windows_event_xml   Windows Event Forwarding / wevtutil XML rendered to
                          JSON (Event.System.*, Event.EventData.Data[@Name]).
    One JSON object per line, a pretty-printed array or document per file.
    The time, first found: the event log's own UTC TimeCreated
    (System.TimeCreated@SystemTime; an NXLog export's TimeCreated, UTC when it
    has no offset), then NXLog's local EventTime (its UTC offset taken from the
    shipper's @timestamp against EventReceivedTime, else var
    windows_time_zone), then the shipper's @timestamp (Winlogbeat sets it to
    the event's time).
    Mapped to OCSF: logons/logoffs and Kerberos/NTLM credential checks to
    Authentication (3002), special privileges (4672) to Authorize Session
    (3003), process creation/exit (4688/4689) to Process Activity (1007).
    Accounts written DOMAIN\user or user@REALM are split into name and
    domain. A Security event id the warehouse does not map is ignored by
    reason (unmapped_event_id; those in var windows_ignored_event_ids:
    event_id_not_of_interest), as are other channels: only a record that
    cannot be trusted is quarantined.
-#}
{%- set event_data_fields = [
    'TargetUserName', 'TargetDomainName', 'TargetUserSid', 'TargetLogonId', 'WorkstationName', 'Workstation',
    'IpAddress', 'IpPort', 'LogonType', 'AuthenticationPackageName', 'PackageName', 'LogonProcessName',
    'Status', 'SubStatus', 'ServiceName',
    'SubjectUserName', 'SubjectDomainName', 'SubjectUserSid', 'SubjectLogonId', 'PrivilegeList',
    'NewProcessId', 'NewProcessName', 'ProcessId', 'ProcessName', 'ParentProcessName', 'CommandLine',
] -%}
{#- NXLog's own fields beside the event's data -#}
{%- set nxlog_fields = [
    'Channel', 'Hostname', 'RecordNumber', 'EventID', 'EventTime', 'EventReceivedTime', 'TimeCreated', '@timestamp',
] -%}
{#- every field read as text, in one parse of the record (->> would re-parse per field) -#}
{%- set data_shape = '{' ~ (nxlog_fields + event_data_fields) | map('tojson') | join(': "VARCHAR", ')
    ~ ': "VARCHAR"}' -%}
{#- where each shape writes the event's system fields: NXLog beside its data (parsed once), the
    others by path (Winlogbeat 7+ may leave the id to event.code, WEF may wrap it in #text) -#}
{%- set system_fields = {
    'event_id_text': {
        'nxlog': "struct_extract(event_data, 'EventID')",
        'winlogbeat': "coalesce(record ->> '$.winlog.event_id', record ->> '$.event.code')",
        'winlogbeat_legacy': "record ->> '$.event_id'",
        'windows_event_xml':
            "coalesce(record ->> '$.Event.System.EventID.\"#text\"', record ->> '$.Event.System.EventID')",
    },
    'channel': {
        'nxlog': "struct_extract(event_data, 'Channel')",
        'winlogbeat': "record ->> '$.winlog.channel'",
        'winlogbeat_legacy': "record ->> '$.log_name'",
        'windows_event_xml': "record ->> '$.Event.System.Channel'",
    },
    'computer_name': {
        'nxlog': "struct_extract(event_data, 'Hostname')",
        'winlogbeat': "coalesce(record ->> '$.winlog.computer_name', record ->> '$.host.name')",
        'winlogbeat_legacy': "record ->> '$.computer_name'",
        'windows_event_xml': "record ->> '$.Event.System.Computer'",
    },
    'record_number': {
        'nxlog': "struct_extract(event_data, 'RecordNumber')",
        'winlogbeat': "record ->> '$.winlog.record_id'",
        'winlogbeat_legacy': "record ->> '$.record_number'",
        'windows_event_xml': "record ->> '$.Event.System.EventRecordID'",
    },
    'time_created_text': {
        'nxlog': "struct_extract(event_data, 'TimeCreated')",
        'windows_event_xml': "record ->> '$.Event.System.TimeCreated.\"@SystemTime\"'",
    },
    'provider_name': {
        'nxlog': "coalesce(record ->> '$.SourceName', record ->> '$.ProviderName')",
        'winlogbeat': "record ->> '$.winlog.provider_name'",
        'winlogbeat_legacy': "record ->> '$.source_name'",
        'windows_event_xml': "record ->> '$.Event.System.Provider.\"@Name\"'",
    },
    'event_time_text': {'nxlog': "struct_extract(event_data, 'EventTime')"},
    'received_time_text': {'nxlog': "struct_extract(event_data, 'EventReceivedTime')"},
} -%}
{%- set event_classes = {
    4624: (3002, 1), 4625: (3002, 1), 4634: (3002, 2), 4647: (3002, 2),
    4768: (3002, 3), 4769: (3002, 4), 4771: (3002, 6), 4776: (3002, 99),
    4672: (3003, 1),
    4688: (1007, 1), 4689: (1007, 2),
} -%}
with raw_records as (
    {{ secfeat.landing_json_records('windows') }}
),

shaped as (
    select
        *,
        case
            when json_exists(record, '$.winlog') then 'winlogbeat'
            when json_exists(record, '$.Event.System') then 'windows_event_xml'
            when json_exists(record, '$.EventID') then 'nxlog'
            when json_exists(record, '$.event_id') and json_exists(record, '$.computer_name') then 'winlogbeat_legacy'
        end as record_shape
    from raw_records
),

-- the event's data fields as one flat object, whatever the shape nests them in
flattened as (
    select
        *,
        case record_shape
            when 'nxlog' then record
            when 'winlogbeat' then json_extract(record, '$.winlog.event_data')
            when 'winlogbeat_legacy' then json_extract(record, '$.event_data')
            -- <Data Name="TargetUserName">x</Data>: one element is an object, several an array
            when 'windows_event_xml' then to_json(map_from_entries(list_transform(
                case json_type(record, '$.Event.EventData.Data')
                    when 'ARRAY' then json_extract(record, '$.Event.EventData.Data[*]')
                    when 'OBJECT' then [json_extract(record, '$.Event.EventData.Data')]
                    else []
                end,
                lambda element: struct_pack(k := element ->> '$.@Name', v := element ->> '$.#text')
            )))
        end as data_json
    from shaped
),

parsed as (
    select
        *,
        from_json(data_json, '{{ data_shape }}') as event_data
    from flattened
),

-- the system fields each shape writes under its own names
system_fields as (
    select
        *,
        {%- for field, read_by_shape in system_fields.items() %}
            case record_shape
                {%- for shape, read in read_by_shape.items() %}
                    when '{{ shape }}' then {{ read }}
                {%- endfor %}
            end as {{ field }},
        {%- endfor %}
        record ->> '$."@timestamp"' as shipper_time_text
    from parsed
),

fields as (
    select
        {{ secfeat.landing_json_record_columns() }},
        record_shape,
        -- the record as Windows writes it, whatever the shipper: EventData's names beside the System fields
        json_merge_patch(coalesce(data_json, '{}'), json_object(
            'EventID', event_id_text, 'Channel', channel, 'Computer', computer_name,
            'EventRecordID', record_number, 'Provider_Name', provider_name
        )) as vendor_record,
        channel,
        record_number,
        event_time_text,
        time_created_text,
        shipper_time_text,
        lower(computer_name) as hostname,
        try_cast(event_id_text as integer) as event_id,
        coalesce(time_created_text, event_time_text, shipper_time_text) as any_time_text,
        {{ secfeat.iso_to_utc('time_created_text') }} as time_created_at,
        {{ secfeat.iso_to_utc('shipper_time_text') }} as shipper_at,
        try_strptime(received_time_text, '%Y-%m-%d %H:%M:%S') as received_at,
        {%- for field in [
            'TargetUserName', 'TargetDomainName', 'TargetUserSid', 'TargetLogonId', 'WorkstationName',
            'Workstation', 'AuthenticationPackageName', 'PackageName', 'LogonProcessName', 'ServiceName',
            'SubjectUserName', 'SubjectDomainName', 'SubjectUserSid', 'SubjectLogonId', 'PrivilegeList',
            'NewProcessName', 'ProcessName', 'ParentProcessName', 'CommandLine',
        ] %}
            {{ secfeat.null_if_blank("struct_extract(event_data, '" ~ field ~ "')") }}
                as {{ modules.re.sub('(?<!^)(?=[A-Z])', '_', field) | lower }},
        {%- endfor %}
        struct_extract(event_data, 'IpAddress') as ip_address_text,
        lower({{ secfeat.null_if_blank("struct_extract(event_data, 'Status')") }}) as status_text,
        lower({{ secfeat.null_if_blank("struct_extract(event_data, 'SubStatus')") }}) as sub_status_text,
        try_cast(struct_extract(event_data, 'LogonType') as integer) as logon_type_code,
        try_cast({{ secfeat.null_if_blank("struct_extract(event_data, 'IpPort')") }} as integer) as ip_port,
        -- process ids are hex ('0x1a2c')
        try_cast({{ secfeat.null_if_blank("struct_extract(event_data, 'NewProcessId')") }} as bigint) as new_process_id,
        try_cast({{ secfeat.null_if_blank("struct_extract(event_data, 'ProcessId')") }} as bigint) as process_id
    from system_fields
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
        -- a privilege assignment or a process; Kerberos writes user@REALM, NTLM DOMAIN\user
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
        -- the first time field present decides: one that does not parse is no time
        case
            when time_created_text is not null then time_created_at
            when event_time_text is null then shipper_at
            when abs(shipper_offset_seconds) <= 14 * 3600
                then event_time_local + to_seconds(shipper_offset_seconds::bigint)
            else {{ secfeat.local_to_utc('event_time_local', var('windows_time_zone')) }}
        end as event_at,
        {{ secfeat.account_name_of('account_text') }} as account_name,
        coalesce(account_domain, {{ secfeat.account_domain_of('account_text') }}) as account_domain_name,
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
    record_shape='record_shape',
    vendor_record='vendor_record',
    event_key=['hostname', 'coalesce(record_number, md5(raw_line))', 'event_id'],
    routing_checks=[
        {'when': 'event_id is null', 'quarantine': 'missing_event_id'},
        {'when': "coalesce(channel, '') != 'Security'", 'ignore': 'not_security_channel'},
        {
            'when': 'event_id in (' ~ var('windows_ignored_event_ids') | join(', ') ~ ')',
            'ignore': 'event_id_not_of_interest',
        },
        {'when': 'class_uid is null', 'ignore': 'unmapped_event_id'},
    ],
    event_time_text='any_time_text',
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
