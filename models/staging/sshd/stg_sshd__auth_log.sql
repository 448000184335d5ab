{#-
    One row per raw line of the sshd auth logs. The lines that state an
    authentication outcome ("Accepted <method> for ...", "Failed <method> for
    ...") become OCSF Authentication (3002) events; the lines sshd writes
    around the same attempt (pam_unix, "Invalid user", disconnects) are
    ignored by reason so one attempt counts once.

    Syslog has neither year nor zone: var syslog_time_zone (default UTC) and
    var syslog_year (default: the year the file landed, less one for a line
    that would otherwise be dated after its landing, e.g. a December line
    landed in January). With an inferred year no line can be in the future;
    set syslog_year to have future-dated lines quarantined instead.
-#}
with raw_lines as (
    {{ secfeat.landing_lines('sshd') }}
),

syslog as (
    select
        _source_file,
        _source_line,
        _ingested_at,
        raw_line,
        regexp_extract(
            raw_line,
            -- "Mon DD HH:MM:SS host program[pid]: message"
            '^([A-Z][a-z]{2}) +([0-9]{1,2}) ([0-9]{2}:[0-9]{2}:[0-9]{2}) '
            || '(\S+) ([A-Za-z0-9_./-]+)(\[([0-9]+)\])?: (.*)$',
            ['month_name', 'day_of_month', 'clock', 'host', 'program', 'pid_group', 'pid', 'message']
        ) as parts
    from raw_lines
),

fields as (
    select
        _source_file,
        _source_line,
        _ingested_at,
        raw_line,
        struct_extract(parts, 'day_of_month') as day_text,
        struct_extract(parts, 'clock') as clock_text,
        struct_extract(parts, 'program') as syslog_program,
        struct_extract(parts, 'message') as message,
        nullif(struct_extract(parts, 'month_name'), '') as month_text,
        lower(struct_extract(parts, 'host')) as syslog_host,
        try_cast(struct_extract(parts, 'pid') as integer) as sshd_pid,
        regexp_extract(
            struct_extract(parts, 'message'),
            '^(Accepted|Failed) (\S+) for (invalid user )?(.*) from (\S+) port ([0-9]+)',
            ['outcome', 'method', 'invalid', 'user_name', 'ip', 'port']
        ) as attempt
    from syslog
),

timed as (
    select
        *,
        try_strptime(
            concat_ws(
                ' ',
                {% if var('syslog_year') is not none -%}
                    '{{ var("syslog_year") }}',
                {%- else -%}
                    year(_ingested_at)::varchar,
                {%- endif %}
                month_text, day_text, clock_text
            ),
            '%Y %b %d %H:%M:%S'
        ) as stamped_in_ingest_year
    from fields
),

dated as (
    select
        *,
        {{ secfeat.local_to_utc(
            "case when " ~ secfeat.is_from_the_future('stamped_in_ingest_year', '_ingested_at')
            ~ " then stamped_in_ingest_year - interval '1 year' else stamped_in_ingest_year end"
            if var('syslog_year') is none else 'stamped_in_ingest_year',
            var('syslog_time_zone')
        ) }} as event_at,
        nullif(struct_extract(attempt, 'outcome'), '') as outcome,
        nullif(trim(struct_extract(attempt, 'user_name')), '') as attempted_user_name,
        struct_extract(attempt, 'method') as attempted_method,
        struct_extract(attempt, 'invalid') != '' as is_invalid_user,
        try_cast(struct_extract(attempt, 'port') as integer) as attempted_port,
        {{ secfeat.normalize_ip("struct_extract(attempt, 'ip')") }} as src_endpoint_ip,
        {{ secfeat.is_unparseable_ip("struct_extract(attempt, 'ip')") }} as is_unparseable_ip
    from timed
),

classified as (
    select
        *,
        case
            when trim(raw_line) = '' then null
            when month_text is null then 'unparseable_syslog_line'
            when syslog_program != 'sshd' or outcome is null then null
            when event_at is null then 'unparseable_timestamp'
            when {{ secfeat.is_from_the_future('event_at', '_ingested_at') }} then 'future_timestamp'
            when is_unparseable_ip then 'unparseable_ip'
            when attempted_user_name is null then 'missing_user'
        end as _quarantine_reason
    from dated
),

final as (
    select
        -- lineage and routing
        md5(concat_ws('|', 'sshd', syslog_host, sshd_pid, month_text, day_text, clock_text, message)) as event_uid,
        'sshd' as source_name,
        _source_file,
        _source_line,
        _quarantine_reason,
        case
            when _quarantine_reason is not null then null
            when trim(raw_line) = '' then 'blank_line'
            when syslog_program != 'sshd' then 'not_sshd'
            when outcome is null then 'not_an_authentication_outcome'
        end as _ignored_reason,
        raw_line,

        -- OCSF Authentication (3002)
        3002 as class_uid,
        3 as category_uid,
        1 as activity_id,
        300201 as type_uid,
        null::varchar as metadata_uid,
        null::varchar as user_uid,
        attempted_user_name as user_name,
        null::varchar as user_domain,
        null::varchar as user_email_addr,
        src_endpoint_ip,
        null::varchar as src_endpoint_hostname,
        null::varchar as src_endpoint_location_country,
        syslog_host as dst_endpoint_hostname,
        case outcome when 'Accepted' then 'Success' when 'Failed' then 'Failure' end as status,
        null::varchar as status_code,
        case
            when outcome = 'Failed' and is_invalid_user then 'USER_DOES_NOT_EXIST'
            when outcome = 'Failed' then 'INVALID_CREDENTIALS'
        end as status_detail,
        attempted_method as auth_protocol,
        'sshd' as logon_process_name,
        'OpenSSH' as metadata_product_name,
        'OpenBSD' as metadata_product_vendor_name,
        {{ secfeat.ocsf_version() }} as metadata_version,
        case outcome when 'Accepted' then 1 when 'Failed' then 2 else 0 end as status_id,
        1 as severity_id,
        10 as logon_type_id,
        99 as auth_protocol_id,
        attempted_port as src_endpoint_port,
        null::integer as vendor_event_code,
        null::boolean as is_mfa,
        true as is_remote,
        event_at,
        _ingested_at
    from classified
)

select * from final
