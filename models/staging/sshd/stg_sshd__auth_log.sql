{#-
    One row per raw record of the OpenSSH server's logs (one per event for a
    record that stands for N: "message repeated N times"). Its shape is
    decided per record, so one file may mix them: syslog_rfc3164 (the classic
    "Mon DD HH:MM:SS host sshd[pid]: message", without year or zone),
    syslog_rfc3339 (rsyslog's high-precision default, dated by an RFC 3339
    timestamp), syslog_rfc5424 ("<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD
    MSG", NILVALUE `-` and structured data read) and journald_json
    (`journalctl -o json`, an object a line, or -o json-pretty, objects over
    several lines: MESSAGE a string or its bytes, SYSLOG_IDENTIFIER or _COMM,
    _PID or SYSLOG_PID, _HOSTNAME). A syslog line may start with a `<PRI>`.
    Another program's record (cron, sudo, the kernel) is ignored as not_sshd;
    sshd-session (OpenSSH 9.8+) is sshd. Time: RFC 3339 and RFC 5424 carry
    their zone; journald's is, in this order, _SOURCE_REALTIME_TIMESTAMP,
    __REALTIME_TIMESTAMP (microseconds since the epoch, UTC), else
    SYSLOG_TIMESTAMP, read as an RFC 3164 date.

    An sshd process is one client connection (file, host, program, pid), and
    each attempt counts once, from the best lines its connection has. (1)
    sshd's outcome lines ("Accepted|Failed <method> for ...", N for "message
    repeated N times: [ ... ]" and for a "last message repeated N times"
    after one) win: every other line of the connection tells of the same
    attempts and is ignored by reason (pam_unix's "authentication failure",
    "PAM N more authentication failures", "error: maximum authentication
    attempts exceeded", "Invalid user", "input_userauth_request", "check
    pass"). (2) Without an outcome line, pam_unix's count: its
    "authentication failure" is 1 failed attempt and "PAM N more
    authentication failures" N more. (3) With neither, the connection's first
    line about an attempt ("Invalid user", an sshd:auth PAM line, "maximum
    authentication attempts exceeded", "Too many authentication failures")
    is 1 failed attempt: the client left before sshd logged one. Connection
    chatter is ignored, and so is any other sshd message
    (unmapped_sshd_message: a valid line, only not mapped).

    An RFC 3164 date has neither year nor zone: var syslog_time_zone (default
    UTC) and var syslog_year (default: the year the file landed, less one for
    a line that would otherwise be dated after its landing, e.g. a December
    line landed in January). With an inferred year no line can be in the
    future; set syslog_year to have future-dated lines quarantined instead.
-#}
{%- set sshd_program_list = "'sshd', 'sshd-session'" -%}
{%- set stamped_utc = secfeat.local_to_utc('stamped_in_ingest_year', var('syslog_time_zone')) -%}
{%- set stamped_a_year_earlier_utc = secfeat.local_to_utc(
    "stamped_in_ingest_year - interval '1 year'", var('syslog_time_zone')
) -%}
{%- set outcome_pattern = '^(Accepted|Failed) (\\S+) for (invalid user )?(.*?) from (\\S+) port ([0-9]+)' -%}
{%- set attempt_line_patterns = [
    '^Invalid user ', '^input_userauth_request: invalid user ', '^pam_unix\\(sshd:auth\\): authentication failure;',
    '^pam_unix\\(sshd:auth\\): check pass;', '^pam_succeed_if\\(sshd:auth\\): requirement ', '^error: PAM: ',
] -%}
{%- set summary_line_patterns = [
    '^PAM [0-9]+ more authentication failures?;', '^PAM service\\(sshd\\) ignoring max retries',
    '^error: maximum authentication attempts exceeded', '^Disconnecting: Too many authentication failures',
    '^Disconnecting (authenticating|invalid) user .*: Too many authentication failures',
] -%}
{#- summaries that still tell of a failed attempt when a connection logged nothing else -#}
{%- set failure_summary_patterns = summary_line_patterns[2:] -%}
{%- set connection_line_patterns = [
    '^pam_unix\\(sshd:session\\): session (opened|closed)', '^Connection closed by ', '^Connection reset by ',
    '^(error: )?Received disconnect from ', '^Disconnected from ', '^Did not receive identification string',
    '^reverse mapping checking getaddrinfo', '^Address \\S+ maps to \\S+, but this does not map back',
    '^fatal: ', '^Bad protocol version', '^Protocol major versions differ', '^Server listening on ',
    '^Received signal ', '^Timeout before authentication', '^error: kex_exchange_identification',
    '^banner exchange', '^Unable to negotiate', '^Connection from ', '^Postponed ', '^Partial ',
    '^Starting session', '^User child is on pid', '^Close session', '^subsystem request', '^Received SIGHUP',
] -%}
with records as (
    {{ secfeat.landing_json_records('sshd', batch_keys=[], text_lines=true) }}
),

syslog_lines as (
    select
        {{ secfeat.landing_json_record_columns() }},
        case when record is null then regexp_extract(
            raw_line,
            -- "Mon DD HH:MM:SS host program[pid]: message" (old rsyslog's repeats leave host empty)
            '^(?:<[0-9]{1,3}>)?([A-Z][a-z]{2}) +([0-9]{1,2}) ([0-9]{2}:[0-9]{2}:[0-9]{2}) '
            || '(\S*) ([A-Za-z0-9_./-]+)(?:\[([0-9]+)\])?: (.*)$',
            ['month_name', 'day_of_month', 'clock', 'host', 'program', 'pid', 'message']
        ) end as rfc3164,
        case when record is null then regexp_extract(
            raw_line,
            -- "2026-01-02T03:04:05.123456+01:00 host program[pid]: message"
            '^(?:<[0-9]{1,3}>)?([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?'
            || '(?:Z|[+-][0-9]{2}:?[0-9]{2})) (\S*) ([A-Za-z0-9_./-]+)(?:\[([0-9]+)\])?: (.*)$',
            ['timestamp', 'host', 'program', 'pid', 'message']
        ) end as rfc3339,
        case when record is null then regexp_extract(
            raw_line,
            -- "<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA [MSG]", `-` for nil;
            -- structured data: [id name="value" ...]..., values escaping ", \ and ]
            '^<([0-9]{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+) '
            || '(-|(?:\[[^=\]" ]+(?: [^=\]" ]+="(?:[^"\\]|\\.)*")*\])+)(?: (.*))?$',
            ['priority', 'timestamp', 'host', 'program', 'pid', 'message_id', 'structured_data', 'message']
        ) end as rfc5424
    from records
),

shaped as (
    select
        *,
        case
            -- a record the framing refused (not UTF-8, no object) has no shape
            when coalesce(_record_quarantine_reason, _record_ignored_reason) is not null then null
            when nullif(struct_extract(rfc3164, 'month_name'), '') is not null then 'syslog_rfc3164'
            when nullif(struct_extract(rfc3339, 'timestamp'), '') is not null then 'syslog_rfc3339'
            when nullif(struct_extract(rfc5424, 'priority'), '') is not null then 'syslog_rfc5424'
            -- a journal entry as journalctl writes it has these; another JSON object is no journald record
            when
                record ->> '$.MESSAGE' is not null
                or record ->> '$.__CURSOR' is not null
                or record ->> '$.__REALTIME_TIMESTAMP' is not null
                then 'journald_json'
        end as source_shape,
        -- journalctl writes a field that is not printable UTF-8 as an array of its bytes
        case
            when json_type(record, '$.MESSAGE') = 'ARRAY'
                then try_cast(json_extract(record, '$.MESSAGE') as utinyint[])
        end as message_bytes
    from syslog_lines
),

journald_messages as (
    select
        *,
        case
            when json_type(record, '$.MESSAGE') = 'VARCHAR' then record ->> '$.MESSAGE'
            when len(list_filter(message_bytes, lambda byte: byte is null)) = 0
                then coalesce(
                    try(decode(from_hex(list_aggr(
                        list_transform(message_bytes, lambda byte: lpad(to_hex(byte), 2, '0')), 'string_agg', ''
                    )))),
                    -- not UTF-8: byte by byte (Latin-1)
                    list_aggr(list_transform(message_bytes, lambda byte: chr(byte)), 'string_agg', '')
                )
        end as journald_message,
        -- SYSLOG_TIMESTAMP is the date of the syslog line journald received, e.g. "Jan  2 03:04:05 "
        regexp_extract(
            record ->> '$.SYSLOG_TIMESTAMP',
            '^([A-Z][a-z]{2}) +([0-9]{1,2}) ([0-9]{2}:[0-9]{2}:[0-9]{2})',
            ['month_name', 'day_of_month', 'clock']
        ) as journald_syslog_date
    from shaped
),

fields as (
    select
        {{ secfeat.landing_json_record_columns() }},
        source_shape,
        case source_shape
            when 'syslog_rfc3164' then struct_extract(rfc3164, 'host')
            when 'syslog_rfc3339' then struct_extract(rfc3339, 'host')
            when 'syslog_rfc5424' then nullif(struct_extract(rfc5424, 'host'), '-')
            when 'journald_json' then record ->> '$._HOSTNAME'
        end as host_text,
        case source_shape
            when 'syslog_rfc3164' then struct_extract(rfc3164, 'program')
            when 'syslog_rfc3339' then struct_extract(rfc3339, 'program')
            when 'syslog_rfc5424' then nullif(struct_extract(rfc5424, 'program'), '-')
            when 'journald_json' then coalesce(record ->> '$.SYSLOG_IDENTIFIER', record ->> '$._COMM')
        end as syslog_program,
        try_cast(case source_shape
            when 'syslog_rfc3164' then struct_extract(rfc3164, 'pid')
            when 'syslog_rfc3339' then struct_extract(rfc3339, 'pid')
            when 'syslog_rfc5424' then struct_extract(rfc5424, 'pid')
            when 'journald_json' then coalesce(record ->> '$._PID', record ->> '$.SYSLOG_PID')
        end as integer) as sshd_pid,
        case source_shape
            when 'syslog_rfc3164' then struct_extract(rfc3164, 'message')
            when 'syslog_rfc3339' then struct_extract(rfc3339, 'message')
            -- RFC 5424: a UTF-8 message starts with a byte order mark
            when 'syslog_rfc5424' then ltrim(struct_extract(rfc5424, 'message'), chr(65279))
            when 'journald_json' then journald_message
        end as message,
        -- a date without year or zone: RFC 3164's, or journald's SYSLOG_TIMESTAMP when it has no other
        case
            when source_shape = 'syslog_rfc3164'
                then struct_pack(
                    month_name := struct_extract(rfc3164, 'month_name'),
                    day_of_month := struct_extract(rfc3164, 'day_of_month'),
                    clock := struct_extract(rfc3164, 'clock')
                )
            when
                source_shape = 'journald_json'
                and coalesce(record ->> '$._SOURCE_REALTIME_TIMESTAMP', record ->> '$.__REALTIME_TIMESTAMP') is null
                and nullif(struct_extract(journald_syslog_date, 'month_name'), '') is not null
                then journald_syslog_date
        end as syslog_date,
        case source_shape
            when 'syslog_rfc3339' then struct_extract(rfc3339, 'timestamp')
            when 'syslog_rfc5424' then nullif(struct_extract(rfc5424, 'timestamp'), '-')
        end as iso_time_text,
        case when source_shape = 'journald_json' then coalesce(
            record ->> '$._SOURCE_REALTIME_TIMESTAMP', record ->> '$.__REALTIME_TIMESTAMP'
        ) end as epoch_microseconds_text,
        case when source_shape = 'journald_json' then record ->> '$.SYSLOG_TIMESTAMP' end as journald_syslog_time_text
    from journald_messages
),

timed as (
    select
        *,
        nullif(struct_extract(syslog_date, 'month_name'), '') as month_text,
        struct_extract(syslog_date, 'day_of_month') as day_text,
        struct_extract(syslog_date, 'clock') as clock_text,
        -- the time as the record gives it: null when it gives none
        coalesce(
            case when syslog_date is not null then concat_ws(
                ' ',
                struct_extract(syslog_date, 'month_name'),
                struct_extract(syslog_date, 'day_of_month'),
                struct_extract(syslog_date, 'clock')
            ) end,
            iso_time_text,
            epoch_microseconds_text,
            journald_syslog_time_text
        ) as event_time_text,
        try_strptime(
            concat_ws(
                ' ',
                {% if var('syslog_year') is not none -%}
                    '{{ var("syslog_year") }}',
                {%- else -%}
                    year(_ingested_at)::varchar,
                {%- endif %}
                struct_extract(syslog_date, 'month_name'),
                struct_extract(syslog_date, 'day_of_month'),
                struct_extract(syslog_date, 'clock')
            ),
            '%Y %b %d %H:%M:%S'
        ) as stamped_in_ingest_year,
        {{ secfeat.iso_to_utc('iso_time_text') }} as iso_event_at,
        make_timestamp(try_cast(epoch_microseconds_text as bigint)) as epoch_event_at,
        -- a record without a host (old rsyslog's "last message repeated") is of the host before it
        coalesce(
            lower(nullif(host_text, '')),
            last_value(lower(nullif(host_text, '')) ignore nulls) over (
                partition by _source_file order by _source_line, _source_record
                rows between unbounded preceding and 1 preceding
            )
        ) as syslog_host,
        syslog_program in ({{ sshd_program_list }}) as is_sshd
    from fields
),

dated as (
    select
        *,
        case
            when syslog_date is null then coalesce(iso_event_at, epoch_event_at)
            {%- if var('syslog_year') is none %}
                -- a date later than the landing is last year's
                when {{ secfeat.is_from_the_future(stamped_utc, '_ingested_at') }}
                    then {{ stamped_a_year_earlier_utc }}
            {%- endif %}
            else {{ stamped_utc }}
        end as event_at,
        -- rsyslog's "message repeated N times: [ message]" is N more of that message
        regexp_extract(
            message, '^message repeated ([0-9]+) times: \[ ?(.*?)\]?$', ['repeats', 'repeated_message']
        ) as repeated,
        regexp_extract(message, '^last message repeated ([0-9]+) times?$', 1) as repeats_of_previous
    from timed
),

told as (
    select
        *,
        coalesce(
            try_cast(nullif(struct_extract(repeated, 'repeats'), '') as bigint),
            try_cast(nullif(repeats_of_previous, '') as bigint),
            1
        ) as repeat_count,
        -- what a line tells, its repeats unwrapped: sysklogd's "last message repeated N
        -- times" is N more of the line before it on the same connection
        case
            when nullif(struct_extract(repeated, 'repeats'), '') is not null
                then struct_extract(repeated, 'repeated_message')
            when nullif(repeats_of_previous, '') is not null
                then lag(case
                    when nullif(struct_extract(repeated, 'repeats'), '') is not null
                        then struct_extract(repeated, 'repeated_message')
                    else message
                end) over connection
            else message
        end as told_message
    from dated
    window connection as (
        partition by _source_file, syslog_host, syslog_program, sshd_pid order by _source_line, _source_record
    )
),

classified as (
    select
        *,
        regexp_extract(
            told_message, '{{ outcome_pattern }}', ['outcome', 'method', 'invalid', 'user_name', 'ip', 'port']
        ) as attempt,
        case
            when regexp_matches(told_message, '^pam_unix\(sshd:auth\): authentication failure;') then 1
            else try_cast(
                nullif(regexp_extract(told_message, '^PAM ([0-9]+) more authentication failures?;', 1), '') as bigint
            )
        end * repeat_count as pam_failure_count,
        case
            when regexp_matches(told_message, '{{ attempt_line_patterns | join("|") }}') then 'attempt'
            when regexp_matches(told_message, '{{ summary_line_patterns | join("|") }}') then 'summary'
            when regexp_matches(told_message, '{{ connection_line_patterns | join("|") }}') then 'connection'
        end as line_kind,
        regexp_matches(
            told_message, '{{ (attempt_line_patterns + failure_summary_patterns) | join("|") }}'
        ) as tells_of_attempt,
        -- what the lines around an attempt say about it
        coalesce(
            nullif(regexp_extract(told_message, '^Invalid user (.*) from (\S+)', 1), ''),
            nullif(regexp_extract(told_message, ' user=(\S+)', 1), ''),
            nullif(regexp_extract(
                told_message, '^error: maximum authentication attempts exceeded for '
                || '(invalid user )?(.*) from \S+ port [0-9]+', 2
            ), ''),
            nullif(regexp_extract(
                told_message, '^Disconnecting (authenticating|invalid) user (.*) \S+ port [0-9]+: '
                || 'Too many authentication failures', 2
            ), '')
        ) as evidence_user_name,
        coalesce(
            nullif(regexp_extract(told_message, '^Invalid user (.*) from (\S+)', 2), ''),
            nullif(regexp_extract(told_message, ' rhost=(\S+)', 1), ''),
            nullif(regexp_extract(
                told_message, '^error: maximum authentication attempts exceeded for .* from (\S+) port ', 1
            ), ''),
            nullif(regexp_extract(
                told_message, '^Disconnecting (authenticating|invalid) user .* (\S+) port [0-9]+: '
                || 'Too many authentication failures', 2
            ), '')
        ) as evidence_ip,
        try_cast(nullif(regexp_extract(
            told_message, '^(Invalid user .* from|error: maximum authentication attempts exceeded for .* from|'
            || 'Disconnecting (authenticating|invalid) user .*) \S+ port ([0-9]+)', 3
        ), '') as integer) as evidence_port,
        regexp_matches(
            told_message,
            '^(Invalid user |input_userauth_request: invalid user |error: maximum authentication attempts exceeded '
            || 'for invalid user |Disconnecting invalid user )'
        ) as tells_of_invalid_user
    from told
),

attempts as (
    select
        *,
        nullif(struct_extract(attempt, 'outcome'), '') as outcome,
        nullif(trim(struct_extract(attempt, 'user_name')), '') as attempted_user_name,
        nullif(struct_extract(attempt, 'method'), '') as attempted_method,
        struct_extract(attempt, 'invalid') != '' as is_invalid_user,
        try_cast(struct_extract(attempt, 'port') as integer) as attempted_port,
        struct_extract(attempt, 'ip') as attempted_ip,
        -- the time in an event's identity: an RFC 3164 date as written (the year it is
        -- read in depends on when it landed), else the UTC time, its month with the year
        coalesce(month_text, strftime(event_at, '%Y-%m')) as key_month,
        coalesce(day_text, strftime(event_at, '%d')) as key_day,
        coalesce(clock_text, strftime(event_at, '%H:%M:%S.%f')) as key_clock
    from classified
),

connections as (
    select
        *,
        -- an sshd process is one client connection; its lines share the pid
        count(outcome) over connection as connection_outcome_count,
        count(pam_failure_count) over connection as connection_pam_failure_lines,
        row_number() over (
            connection order by
                coalesce(tells_of_attempt, false) desc, coalesce(line_kind = 'attempt', false) desc,
                _source_line asc, _source_record asc
        ) as attempt_line_rank,
        bool_or(tells_of_invalid_user) over connection as is_connection_invalid_user,
        first(evidence_user_name ignore nulls) over (
            connection order by _source_line, _source_record
            rows between unbounded preceding and unbounded following
        ) as connection_user_name,
        first(evidence_ip ignore nulls) over (
            connection order by _source_line, _source_record
            rows between unbounded preceding and unbounded following
        ) as connection_ip,
        first(evidence_port ignore nulls) over (
            connection order by _source_line, _source_record
            rows between unbounded preceding and unbounded following
        ) as connection_port,
        -- identical lines of one connection in the same second are distinct attempts
        row_number() over (
            partition by _source_file, syslog_host, sshd_pid, key_month, key_day, key_clock, message
            order by _source_line, _source_record
        ) as occurrence
    from attempts
    window connection as (partition by _source_file, syslog_host, syslog_program, sshd_pid)
),

events as (
    select
        *,
        -- how many attempts the record is: sshd's outcome lines win; without them
        -- pam_unix's count; without either, the connection's first line about one
        case
            when not coalesce(is_sshd, false) then 0
            when outcome is not null then repeat_count
            when connection_outcome_count > 0 then 0
            when pam_failure_count is not null then pam_failure_count
            when connection_pam_failure_lines > 0 then 0
            when tells_of_attempt and attempt_line_rank = 1 then 1
            else 0
        end as event_count,
        case
            when outcome is not null then outcome
            when tells_of_attempt or pam_failure_count is not null then 'Failed'
        end as event_outcome,
        case when outcome is not null then attempted_user_name else connection_user_name end as event_user_name,
        case when outcome is not null then attempted_ip else connection_ip end as event_ip_text,
        case when outcome is not null then attempted_port else connection_port end as event_port,
        case when outcome is not null then is_invalid_user else is_connection_invalid_user end as is_event_invalid_user
    from connections
),

ocsf_fields as (
    select
        *,
        event_count > 0 as is_event,
        1 as activity_id,
        1 as severity_id,
        'OpenSSH' as metadata_product_name,
        'OpenBSD' as metadata_product_vendor_name,
        event_user_name as user_name,
        event_port as src_endpoint_port,
        syslog_host as dst_endpoint_hostname,
        'sshd' as service_name,
        10 as logon_type_id,
        attempted_method as auth_protocol,
        'sshd' as logon_process_name,
        true as is_remote,
        case event_outcome when 'Accepted' then 1 when 'Failed' then 2 else 0 end as status_id,
        case
            when event_outcome = 'Failed' and is_event_invalid_user then 'USER_DOES_NOT_EXIST'
            when event_outcome = 'Failed' then 'INVALID_CREDENTIALS'
        end as status_detail,
        case when is_event_invalid_user then 0 else 1 end as user_type_id,
        {{ secfeat.normalize_ip('event_ip_text') }} as src_endpoint_ip,
        -- password, publickey, keyboard-interactive: Other; unknown when the client left first
        case when attempted_method is null then 0 else 99 end as auth_protocol_id,
        sshd_pid::varchar as session_uid
    from events
)

{#- identical lines of one connection in the same second are distinct
    attempts (occurrence), and a repeated message is N (event_index); a line
    that claims more repeats than sshd could make in syslog's flush interval is
    not believed (it would be that many rows: one line could exhaust the build) -#}
{%- set max_repeats = 100000 -%}
{{ secfeat.map_to_ocsf(
    source_name='sshd',
    relation='ocsf_fields',
    record_shape='source_shape',
    vendor_record="json_object('message', message, 'host', host_text, 'program', syslog_program, 'pid', sshd_pid)",
    event_key=[
        'syslog_host', 'sshd_pid', 'key_month', 'key_day', 'key_clock', 'message', 'occurrence', 'event_index',
    ],
    routing_checks=[
        {'when': 'not coalesce(is_sshd, false)', 'ignore': 'not_sshd'},
        {'when': 'not is_event and line_kind is null', 'ignore': 'unmapped_sshd_message'},
        {
            'when': 'not is_event',
            'ignore_sql': "case line_kind when 'attempt' then 'part_of_logged_attempt'"
                ~ " when 'summary' then 'summary_of_logged_attempts'"
                ~ " when 'connection' then 'connection_lifecycle' end",
        },
    ],
    event_time_text='event_time_text',
    ip_text='event_ip_text',
    event_checks=[
        {'when': 'event_count > ' ~ max_repeats, 'quarantine': 'implausible_repeat_count'},
    ],
    user_fields=['event_user_name'],
    events_per_record='event_count',
    columns=[
        'activity_id', 'severity_id', 'status_id', 'status_detail', 'message', 'event_at',
        'metadata_product_name', 'metadata_product_vendor_name', 'user_name', 'user_type_id',
        'src_endpoint_ip', 'src_endpoint_port', 'dst_endpoint_hostname', 'service_name', 'logon_type_id',
        'auth_protocol_id', 'auth_protocol', 'logon_process_name', 'session_uid', 'is_remote',
    ],
) }}
