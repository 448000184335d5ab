{#-
    One row per raw line of the sshd auth logs (one per event for a
    "message repeated N times" line: N). An attempt's outcome line
    ("Accepted|Failed <method> for ...") is an OCSF Authentication (3002)
    event. The lines sshd writes around the same attempt on the same
    connection (sshd[pid]): "Invalid user", "input_userauth_request",
    pam_unix "authentication failure" and "check pass") are part of it and
    ignored by reason, so one attempt counts once; when a connection has no
    outcome line at all (the client left mid-attempt), its first such line
    is the failed attempt. Summaries ("PAM n more authentication failures")
    repeat what was logged and are ignored; connection chatter is ignored;
    any other sshd message is quarantined as unmapped.

    Syslog has neither year nor zone: var syslog_time_zone (default UTC) and
    var syslog_year (default: the year the file landed, less one for a line
    that would otherwise be dated after its landing, e.g. a December line
    landed in January). With an inferred year no line can be in the future;
    set syslog_year to have future-dated lines quarantined instead.
-#}
{%- set outcome_pattern = '^(?:message repeated ([0-9]+) times: \\[ ?)?(Accepted|Failed) (\\S+) for '
    ~ '(invalid user )?(.*?) from (\\S+) port ([0-9]+)' -%}
{%- set attempt_line_patterns = [
    '^Invalid user ', '^input_userauth_request: invalid user ', '^pam_unix\\(sshd:auth\\): authentication failure;',
    '^pam_unix\\(sshd:auth\\): check pass;',
] -%}
{%- set summary_line_patterns = [
    '^PAM [0-9]+ more authentication failures?;', '^PAM service\\(sshd\\) ignoring max retries',
    '^error: maximum authentication attempts exceeded', '^Disconnecting: Too many authentication failures',
    '^Disconnecting (authenticating|invalid) user .*: Too many authentication failures',
] -%}
{%- set connection_line_patterns = [
    '^pam_unix\\(sshd:session\\): session (opened|closed)', '^Connection closed by ', '^Connection reset by ',
    '^(error: )?Received disconnect from ', '^Disconnected from ', '^Did not receive identification string',
    '^reverse mapping checking getaddrinfo', '^Address \\S+ maps to \\S+, but this does not map back',
    '^fatal: ', '^Bad protocol version', '^Protocol major versions differ', '^Server listening on ',
    '^Received signal ', '^Timeout before authentication', '^error: kex_exchange_identification',
    '^banner exchange', '^Unable to negotiate', '^Connection from ', '^Postponed ', '^Starting session',
    '^User child is on pid', '^Close session', '^subsystem request', '^Received SIGHUP',
] -%}
with raw_lines as (
    {{ secfeat.landing_line_records('sshd') }}
),

syslog as (
    select
        {{ secfeat.landing_record_columns() }},
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
        {{ secfeat.landing_record_columns() }},
        struct_extract(parts, 'day_of_month') as day_text,
        struct_extract(parts, 'clock') as clock_text,
        struct_extract(parts, 'program') as syslog_program,
        struct_extract(parts, 'message') as message,
        nullif(struct_extract(parts, 'month_name'), '') as month_text,
        lower(struct_extract(parts, 'host')) as syslog_host,
        try_cast(struct_extract(parts, 'pid') as integer) as sshd_pid,
        regexp_extract(
            struct_extract(parts, 'message'),
            '{{ outcome_pattern }}',
            ['repeats', 'outcome', 'method', 'invalid', 'user_name', 'ip', 'port']
        ) as attempt,
        -- what the lines around an attempt say about it
        coalesce(
            nullif(regexp_extract(struct_extract(parts, 'message'), '^Invalid user (.*) from (\S+)', 1), ''),
            nullif(regexp_extract(struct_extract(parts, 'message'), ' user=(\S+)', 1), '')
        ) as evidence_user_name,
        coalesce(
            nullif(regexp_extract(struct_extract(parts, 'message'), '^Invalid user (.*) from (\S+)', 2), ''),
            nullif(regexp_extract(struct_extract(parts, 'message'), ' rhost=(\S+)', 1), '')
        ) as evidence_ip
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
        ) as stamped_in_ingest_year,
        nullif(struct_extract(attempt, 'outcome'), '') as outcome,
        case
            when regexp_matches(message, '{{ attempt_line_patterns | join("|") }}') then 'attempt'
            when regexp_matches(message, '{{ summary_line_patterns | join("|") }}') then 'summary'
            when regexp_matches(message, '{{ connection_line_patterns | join("|") }}') then 'connection'
        end as line_kind
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
        coalesce(try_cast(nullif(struct_extract(attempt, 'repeats'), '') as integer), 1) as repeat_count,
        nullif(trim(struct_extract(attempt, 'user_name')), '') as attempted_user_name,
        nullif(struct_extract(attempt, 'method'), '') as attempted_method,
        struct_extract(attempt, 'invalid') != '' as is_invalid_user,
        try_cast(struct_extract(attempt, 'port') as integer) as attempted_port,
        struct_extract(attempt, 'ip') as attempted_ip
    from timed
),

connections as (
    select
        *,
        -- an sshd process is one client connection; its lines share the pid
        count(outcome) over connection as connection_outcome_count,
        row_number()
            over (connection order by coalesce(line_kind = 'attempt', false) desc, _source_line)
            as attempt_line_rank,
        bool_or(message like 'Invalid user %' or message like 'input_userauth_request: invalid user %')
            over connection as is_connection_invalid_user,
        first(evidence_user_name ignore nulls) over (
            connection order by _source_line
            rows between unbounded preceding and unbounded following
        ) as connection_user_name,
        first(evidence_ip ignore nulls) over (
            connection order by _source_line
            rows between unbounded preceding and unbounded following
        ) as connection_ip,
        -- identical lines of one connection in the same second are distinct attempts
        row_number() over (
            partition by _source_file, syslog_host, sshd_pid, month_text, day_text, clock_text, message
            order by _source_line
        ) as occurrence
    from dated
    window connection as (partition by _source_file, syslog_host, sshd_pid, syslog_program)
),

events as (
    select
        *,
        coalesce(
            syslog_program = 'sshd' and (
                outcome is not null
                or (line_kind = 'attempt' and connection_outcome_count = 0 and attempt_line_rank = 1)
            ),
            false
        ) as is_event,
        case
            when outcome is not null then outcome
            when line_kind = 'attempt' then 'Failed'
        end as event_outcome,
        case when outcome is not null then attempted_user_name else connection_user_name end as event_user_name,
        case when outcome is not null then attempted_ip else connection_ip end as event_ip_text,
        case when outcome is not null then is_invalid_user else is_connection_invalid_user end as is_event_invalid_user
    from connections
),

ocsf_fields as (
    select
        *,
        1 as activity_id,
        1 as severity_id,
        'OpenSSH' as metadata_product_name,
        'OpenBSD' as metadata_product_vendor_name,
        event_user_name as user_name,
        attempted_port as src_endpoint_port,
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
    event_key=[
        'syslog_host', 'sshd_pid', 'month_text', 'day_text', 'clock_text', 'message', 'occurrence', 'event_index',
    ],
    routing_checks=[
        secfeat.landing_framing_check(),
        {'when': "trim(raw_line) = ''", 'ignore': 'blank_line'},
        {'when': 'month_text is null', 'quarantine': 'unparseable_syslog_line'},
        {'when': "syslog_program != 'sshd'", 'ignore': 'not_sshd'},
        {'when': 'not is_event and line_kind is null', 'quarantine': 'unmapped_sshd_message'},
        {
            'when': 'not is_event',
            'ignore_sql': "case line_kind when 'attempt' then 'part_of_logged_attempt'"
                ~ " when 'summary' then 'summary_of_logged_attempts'"
                ~ " when 'connection' then 'connection_lifecycle' end",
        },
    ],
    ip_text='event_ip_text',
    event_checks=[
        {'when': 'repeat_count > ' ~ max_repeats, 'quarantine': 'implausible_repeat_count'},
    ],
    user_fields=['event_user_name'],
    events_per_record='repeat_count',
    columns=[
        'activity_id', 'severity_id', 'status_id', 'status_detail', 'message', 'event_at',
        'metadata_product_name', 'metadata_product_vendor_name', 'user_name', 'user_type_id',
        'src_endpoint_ip', 'src_endpoint_port', 'dst_endpoint_hostname', 'service_name', 'logon_type_id',
        'auth_protocol_id', 'auth_protocol', 'logon_process_name', 'session_uid', 'is_remote',
    ],
) }}
