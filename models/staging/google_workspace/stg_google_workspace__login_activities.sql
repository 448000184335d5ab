{#-
    One row per event of a Google Workspace login audit activity (Admin SDK
    Reports API `activities` resource, applicationName `login`), in any of the
    shapes it is shipped in, told apart record by record:
      reports_api               activities as the API returns them, `events`
                                an array: one per line or as API pages
                                ({"items": [...]}; a page with nothing in it
                                leaves `items` out and is ignored as
                                empty_page);
      reports_api_split_events  one event per record, `events` an object, as
                                Elastic's Google Workspace input splits an
                                activity (its id, actor and ipAddress
                                repeated on each).
    The time is the attempt a warning names (its login_timestamp parameter),
    else the activity's id.time. Sign-ins are OCSF Authentication (3002)
    Logon: login_success is success, login_failure failure; login_challenge
    and login_verification (second factors) and Google's suspicious-login
    warnings are status Other, never failed logins. logout is Logoff. Account
    settings (2-step verification, password and recovery edits),
    account-disabled notices and risky sensitive actions are ignored as
    event_not_of_interest, any other event name as unmapped_event_name. The
    user is the affected account of a warning, else the actor.
-#}
{#- event name: (activity_id, status_id) -#}
{%- set event_outcomes = {
    'login_success': (1, 1), 'login_failure': (1, 2), 'login_challenge': (1, 99), 'login_verification': (1, 99),
    'suspicious_login': (1, 99), 'suspicious_login_less_secure_app': (1, 99),
    'suspicious_programmatic_login': (1, 99), 'logout': (2, 1),
} -%}
{%- set ignored_event_prefixes = [
    '2sv_', 'password_edit', 'recovery_', 'titanium_', 'account_disabled_', 'gov_attack_warning',
    'risky_sensitive_action_', 'user_signed_out_due_to_suspicious',
] -%}
{#- every parameter value read as text: a vendor's odd type must not fail the build -#}
{%- set parameter_shape = '[{"name": "VARCHAR", "value": "VARCHAR", "intValue": "VARCHAR", '
    ~ '"boolValue": "VARCHAR", "multiValue": ["VARCHAR"]}]' -%}
with raw_records as (
    {{ secfeat.landing_json_records('google_workspace', batch_keys=['items']) }}
),

activities as (
    select
        {{ secfeat.landing_json_record_columns() }},
        case
            when json_type(record, '$.events') = 'OBJECT' then 'reports_api_split_events'
            when
                json_type(record, '$.events') = 'ARRAY'
                or starts_with(record ->> '$.kind', 'admin#reports#')
                or json_type(record, '$.id') = 'OBJECT'
                then 'reports_api'
        end as source_shape,
        record ->> '$.id.time' as time_text,
        record ->> '$.id.uniqueQualifier' as unique_qualifier,
        record ->> '$.id.applicationName' as application_name,
        record ->> '$.actor.callerType' as caller_type,
        {{ secfeat.null_if_blank("record ->> '$.actor.email'") }} as actor_email,
        {{ secfeat.null_if_blank("record ->> '$.actor.profileId'") }} as actor_profile_id,
        {{ secfeat.null_if_blank("record ->> '$.ipAddress'") }} as ip_text,
        record ->> '$.networkInfo.regionCode' as region_code,
        case json_type(record, '$.events')
            when 'ARRAY' then json_extract(record, '$.events[*]')
            when 'OBJECT' then [record -> '$.events']
        end as event_list
    from raw_records
),

-- an activity is one raw record holding one or more events: one row per event
activity_events as (
    select
        *,
        unnest(case when len(event_list) > 0 then event_list else [null::json] end) as activity_event,
        unnest(case when len(event_list) > 0 then range(1, len(event_list) + 1) else [1] end) as event_index
    from activities
),

-- an event's parameters are a list of {name, value | intValue | boolValue | multiValue}
event_parameters as (
    select
        _source_file,
        _source_line,
        _source_record,
        event_index,
        max(struct_extract(parameter, 'value')) filter (where struct_extract(parameter, 'name') = 'login_type')
            as login_type,
        max(struct_extract(parameter, 'value')) filter (
            where struct_extract(parameter, 'name') = 'affected_email_address'
        ) as affected_email,
        max(struct_extract(parameter, 'value')) filter (where struct_extract(parameter, 'name') = 'login_failure_type')
            as failure_type,
        max(struct_extract(parameter, 'value')) filter (
            where struct_extract(parameter, 'name') = 'login_challenge_status'
        ) as challenge_status,
        -- a warning's attempt, in microseconds since the epoch
        max(try_cast(struct_extract(parameter, 'intValue') as bigint)) filter (
            where struct_extract(parameter, 'name') = 'login_timestamp'
        ) as attempt_epoch_us,
        -- a factor besides the password (or SAML, whose factors the IdP knows); the API lists
        -- them in multiValue, Elastic's sample names one in value
        {%- set challenge_methods = "coalesce(struct_extract(parameter, 'multiValue'), "
            ~ "[struct_extract(parameter, 'value')])" %}
        bool_or(
            len(list_distinct({{ challenge_methods }}))
            > len(list_intersect(list_distinct({{ challenge_methods }}), ['password', 'saml', 'none']))
        ) filter (where struct_extract(parameter, 'name') = 'login_challenge_method') as has_second_factor
    from (
        select
            _source_file,
            _source_line,
            _source_record,
            event_index,
            unnest(from_json(activity_event -> '$.parameters', '{{ parameter_shape }}')) as parameter
        from activity_events
        where json_type(activity_event, '$.parameters') = 'ARRAY'
    ) as unnested_parameters
    group by _source_file, _source_line, _source_record, event_index
),

normalized as (
    select
        activity_events.*,
        event_parameters.login_type,
        event_parameters.failure_type,
        event_parameters.challenge_status,
        event_parameters.has_second_factor,
        activity_events.activity_event ->> '$.name' as event_name,
        coalesce(
            -- a login_timestamp outside the years 1 to 9999 is no time (and would fail the build)
            case
                when event_parameters.attempt_epoch_us between -62135596800000000 and 253402300799999999
                    then make_timestamp(event_parameters.attempt_epoch_us)
            end,
            {{ secfeat.iso_to_utc('activity_events.time_text') }}
        ) as event_at,
        {{ secfeat.null_if_blank('event_parameters.affected_email') }} as affected_email,
        coalesce(
            {{ secfeat.null_if_blank('event_parameters.affected_email') }}, activity_events.actor_email
        ) as account_email
    from activity_events
    left join event_parameters
        on
            activity_events._source_file = event_parameters._source_file
            and activity_events._source_line = event_parameters._source_line
            and activity_events._source_record = event_parameters._source_record
            and activity_events.event_index = event_parameters.event_index
),

classified as (
    select
        *,
        case event_name
            {%- for name, (activity_id, status_id) in event_outcomes.items() %}
                when '{{ name }}' then {{ activity_id }}
            {%- endfor %}
        end as activity_id,
        case event_name
            {%- for name, (activity_id, status_id) in event_outcomes.items() %}
                when '{{ name }}' then {{ status_id }}
            {%- endfor %}
        end as status_id,
        (
            {%- for prefix in ignored_event_prefixes %}
                {% if not loop.first %}or {% endif %}starts_with(event_name, '{{ prefix }}')
            {%- endfor %}
        ) as is_ignored_event
    from normalized
),

ocsf_fields as (
    select
        *,
        event_name as metadata_event_code,
        unique_qualifier as metadata_uid,
        'Google Workspace' as metadata_product_name,
        'Google' as metadata_product_vendor_name,
        -- the actor's id names the account only when the actor is that account
        case when affected_email is null or lower(affected_email) = lower(actor_email) then actor_profile_id end
            as user_uid,
        account_email as user_email_addr,
        region_code as src_endpoint_location_country,
        'Google Workspace' as service_name,
        99 as logon_type_id,
        login_type as auth_protocol,
        true as is_remote,
        case when starts_with(event_name, 'suspicious_') then 4 else 1 end as severity_id,
        case
            when failure_type = 'login_failure_invalid_password' then 'INVALID_CREDENTIALS'
            when failure_type = 'login_failure_account_disabled' then 'ACCOUNT_DISABLED'
            when starts_with(event_name, 'suspicious_') then event_name
            else coalesce(failure_type, challenge_status)
        end as status_detail,
        split_part(account_email, '@', 1) as user_name,
        nullif(split_part(account_email, '@', 2), '') as user_domain,
        case caller_type when 'USER' then 1 when 'KEY' then 4 else 0 end as user_type_id,
        {{ secfeat.normalize_ip('ip_text') }} as src_endpoint_ip,
        case
            when login_type = 'saml' then 5
            when login_type is null or login_type = 'unknown' then 0
            else 99
        end as auth_protocol_id,
        -- a second step, or a sign-in that went through one
        case
            when event_name = 'login_verification' then true
            when event_name = 'login_success' then coalesce(has_second_factor, false)
        end as is_mfa
    from classified
)

{#- a split event has lost its place in its activity: its own content tells it from its siblings -#}
{{ secfeat.map_to_ocsf(
    source_name='google_workspace',
    relation='ocsf_fields',
    record_shape='source_shape',
    vendor_record="json_merge_patch(record, json_object('events', activity_event))",
    event_key=[
        'coalesce(unique_qualifier, md5(raw_line))', 'time_text',
        "case when source_shape = 'reports_api_split_events' then md5(activity_event::varchar) "
        ~ "else event_index::varchar end",
    ],
    routing_checks=[
        {'when': "record ->> '$.kind' = 'admin#reports#activities'", 'ignore': 'empty_page'},
        {'when': "coalesce(application_name, 'login') != 'login'", 'ignore': 'not_login_audit'},
        {'when': 'activity_event is null', 'quarantine': 'missing_events'},
        {'when': 'event_name is null', 'quarantine': 'missing_event_name'},
        {'when': 'activity_id is null and is_ignored_event', 'ignore': 'event_not_of_interest'},
        {'when': 'activity_id is null', 'ignore': 'unmapped_event_name'},
    ],
    event_time_text='time_text',
    ip_text='ip_text',
    user_fields=['account_email', 'actor_profile_id'],
    columns=[
        'activity_id', 'severity_id', 'status_id', 'status_detail', 'event_at', 'metadata_uid',
        'metadata_event_code', 'metadata_product_name', 'metadata_product_vendor_name', 'user_name', 'user_uid',
        'user_domain', 'user_email_addr', 'user_type_id', 'src_endpoint_ip', 'src_endpoint_location_country',
        'service_name', 'logon_type_id', 'auth_protocol_id', 'auth_protocol', 'is_mfa', 'is_remote',
    ],
) }}
