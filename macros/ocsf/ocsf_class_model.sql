{#- OCSF captions, from the v1.8.0 schema files; the ids are what staging sets. -#}
{% macro ocsf_enum_captions(enum_name, ocsf_class=none) -%}
    {%- set activities = {
        'authentication': {1: 'Logon', 2: 'Logoff', 3: 'Authentication Ticket', 4: 'Service Ticket Request',
                           5: 'Service Ticket Renew', 6: 'Preauth', 7: 'Account Switch'},
        'authorize_session': {1: 'Assign Privileges', 2: 'Assign Groups'},
        'process_activity': {1: 'Launch', 2: 'Terminate', 3: 'Open', 4: 'Inject', 5: 'Set User ID'},
        'api_activity': {1: 'Create', 2: 'Read', 3: 'Update', 4: 'Delete'},
    } -%}
    {%- set enums = {
        'class_uid': {3002: 'Authentication', 3003: 'Authorize Session', 1007: 'Process Activity',
                      6003: 'API Activity'},
        'category_uid': {1: 'System Activity', 3: 'Identity & Access Management', 6: 'Application Activity'},
        'severity_id': {1: 'Informational', 2: 'Low', 3: 'Medium', 4: 'High', 5: 'Critical', 6: 'Fatal'},
        'status_id': {1: 'Success', 2: 'Failure'},
        'logon_type_id': {1: 'System', 2: 'Interactive', 3: 'Network', 4: 'Batch', 5: 'OS Service', 7: 'Unlock',
                          8: 'Network Cleartext', 9: 'New Credentials', 10: 'Remote Interactive',
                          11: 'Cached Interactive', 12: 'Cached Remote Interactive', 13: 'Cached Unlock'},
        'auth_protocol_id': {1: 'NTLM', 2: 'Kerberos', 3: 'Digest', 4: 'OpenID', 5: 'SAML', 6: 'OAUTH 2.0',
                             7: 'PAP', 8: 'CHAP', 9: 'EAP', 10: 'RADIUS', 11: 'Basic Authentication', 12: 'LDAP'},
        'user_type_id': {1: 'User', 2: 'Admin', 3: 'System', 4: 'Service'},
        'launch_type_id': {1: 'Spawn', 2: 'Fork', 3: 'Exec'},
        'device_type_id': {1: 'Server', 2: 'Desktop', 3: 'Laptop', 4: 'Tablet', 5: 'Mobile', 6: 'Virtual',
                           7: 'IOT', 8: 'Browser', 9: 'Firewall', 10: 'Switch', 11: 'Hub', 12: 'Router',
                           13: 'IDS', 14: 'IPS', 15: 'Load Balancer'},
    } -%}
    {%- set captions = activities[ocsf_class] if enum_name == 'activity_id' else enums[enum_name] -%}
    {{ return(captions) }}
{%- endmacro %}


{#- CASE expression giving an enum id's caption; 0 is Unknown and 99 Other
    everywhere in OCSF, except the ids without those members. -#}
{% macro ocsf_caption(id_column, enum_name=none, ocsf_class=none) -%}
    case {{ id_column }}
        {%- for id, caption in secfeat.ocsf_enum_captions(enum_name or id_column, ocsf_class).items() %}
        when {{ id }} then '{{ caption | replace("'", "''") }}'
        {%- endfor %}
        {%- if (enum_name or id_column) not in ('class_uid', 'category_uid') %}
        when 0 then 'Unknown'
        when 99 then 'Other'
        {%- endif %}
    end
{%- endmacro %}


{#-
    The body of an OCSF class model: the staged rows of every vendor mapped to
    the class, one per event (an event landed twice keeps its first landing),
    with the captions of its ids and the warehouse's entity key.
    `user_key_from` names the column whose lower-cased value is the user key.
-#}
{% macro ocsf_class_model(ocsf_class, user_key_from) -%}
    {%- set class_columns = secfeat.ocsf_class_columns(ocsf_class) -%}
    {%- set staged_columns = secfeat.ocsf_base_columns() + class_columns
        + ['source_name', '_source_file', '_source_line', '_source_record', '_ingested_at'] -%}
    with staged as (
        {{ secfeat.union_ocsf_staging(
            columns=staged_columns,
            where='_quarantine_reason is null and _ignored_reason is null and class_uid = '
                ~ secfeat.ocsf_class_uid(ocsf_class),
            ocsf_class=ocsf_class,
        ) }}
    ),

    first_landing as (
        select *
        from staged
        qualify row_number() over (
            partition by event_uid order by _ingested_at, _source_file, _source_line, _source_record
        ) = 1
    ),

    final as (
        select
            event_uid,
            -- the key features are computed per; identities differ in case across vendors
            lower({{ user_key_from }}) as user_key,
            source_name,
            class_uid,
            {{ secfeat.ocsf_caption('class_uid') }} as class_name,
            category_uid,
            {{ secfeat.ocsf_caption('category_uid') }} as category_name,
            activity_id,
            {{ secfeat.ocsf_caption('activity_id', ocsf_class=ocsf_class) }} as activity_name,
            type_uid,
            {{ secfeat.ocsf_caption('class_uid') }} || ': '
            || {{ secfeat.ocsf_caption('activity_id', ocsf_class=ocsf_class) }} as type_name,
            severity_id,
            {{ secfeat.ocsf_caption('severity_id') }} as severity,
            status_id,
            {{ secfeat.ocsf_caption('status_id') }} as status,
            status_code,
            status_detail,
            message,
            {{ secfeat.epoch_milliseconds('event_at') }} as time,
            event_at,
            {%- for column in class_columns %}
            {%- if column == 'auth_protocol' %}
            -- OCSF: the caption of auth_protocol_id, the vendor's name only for Other
            case
                when auth_protocol_id in (0, 99) then coalesce(auth_protocol, {{ secfeat.ocsf_caption('auth_protocol_id') }})
                else {{ secfeat.ocsf_caption('auth_protocol_id') }}
            end as auth_protocol,
            {%- else %}
            {{ column }},
            {%- endif %}
            {%- if column in ('logon_type_id', 'user_type_id', 'launch_type_id', 'device_type_id') %}
            {{ secfeat.ocsf_caption(column) }} as {{ column[:-3] }},
            {%- endif %}
            {%- endfor %}
            metadata_uid,
            metadata_event_code,
            metadata_product_name,
            metadata_product_vendor_name,
            metadata_version,
            _source_file,
            _source_line,
            _source_record,
            _ingested_at
        from first_landing
    )

    select * from final
{%- endmacro %}
