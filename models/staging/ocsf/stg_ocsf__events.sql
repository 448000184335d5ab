{#-
    One row per OCSF record landed as OCSF (Amazon Security Lake or any OCSF
    emitter; JSON lines, arrays or Parquet rows): each contract column read
    from its own OCSF attribute path, so these records reach the same class
    models as the vendors' mapped ones.
    Validated against the contract: a record of a class the contract does not
    expose is ignored (class_not_in_contract); one without class_uid, without
    a required attribute (missing_<column>), with a value of the wrong type or
    outside its enum (invalid_<column>), without time, or without the user its
    class is keyed by is quarantined, like any vendor's. category_uid and
    type_uid are derived from class and activity, never trusted from the
    record (emitters get them wrong). A user named only by uid is the
    actor's name when the actor has the same uid (Security Lake's sign-ins).
    The time is `time` (epoch milliseconds), else `time_dt` (ISO 8601).
    Older OCSF names are read too: 1.0.0-rc.2 API Activity (3005, now 6003),
    mfa (now is_mfa), actor.user.account_uid (now actor.user.account.uid).
-#}
{%- set contract = secfeat.ocsf_contract() -%}
{%- set columns = secfeat.ocsf_source_columns('ocsf') -%}
{#- where earlier OCSF versions put what a contract column reads -#}
{%- set earlier_paths = {
    'is_mfa': 'mfa',
    'actor_session_is_mfa': 'actor.session.mfa',
    'actor_user_account_uid': 'actor.user.account_uid',
} -%}
{%- set derived = ['event_uid', 'category_uid', 'type_uid', 'metadata_version', 'event_at'] -%}
{%- set read_columns = [] -%}
{%- for name in columns if name not in derived and contract.columns[name].get('ocsf') -%}
    {%- do read_columns.append(name) -%}
{%- endfor -%}
{#- one parse of each record into the nested shape of every path read, every leaf as text -#}
{%- set shape = {'time': 'VARCHAR', 'time_dt': 'VARCHAR', 'metadata': {'uid': 'VARCHAR', 'version': 'VARCHAR'}} -%}
{%- for name in read_columns -%}
    {%- for path in [contract.columns[name].ocsf, earlier_paths.get(name)] if path -%}
        {%- set parts = path.split('.') -%}
        {%- set node = namespace(value=shape) -%}
        {%- for part in parts[:-1] -%}
            {%- if part not in node.value or node.value[part] is string -%}
                {%- do node.value.update({part: {}}) -%}
            {%- endif -%}
            {%- set node.value = node.value[part] -%}
        {%- endfor -%}
        {%- do node.value.update({
            parts[-1]: ['VARCHAR'] if contract.columns[name].type.endswith('[]') else 'VARCHAR'
        }) -%}
    {%- endfor -%}
{%- endfor -%}
{#- (alias, path) of each text read: a column's own path, and where an earlier OCSF version put it -#}
{%- set text_paths = [] -%}
{%- for name in read_columns -%}
    {%- do text_paths.append((name ~ '_text', contract.columns[name].ocsf)) -%}
    {%- if name in earlier_paths -%}
        {%- do text_paths.append((name ~ '_old', earlier_paths[name])) -%}
    {%- endif -%}
{%- endfor -%}
{%- set text_reads = [] -%}
{%- for alias, path in text_paths -%}
    {%- do text_reads.append(("ocsf['" ~ path.split('.') | join("']['") ~ "']", alias)) -%}
{%- endfor -%}
{#- the text each column is read from -#}
{%- set text_of = {} -%}
{%- for name in read_columns -%}
    {%- do text_of.update({name: name ~ ('_read' if name in earlier_paths else '_text')}) -%}
{%- endfor -%}
{#- each column's value: its text, cast to its type -#}
{%- set value_of = {} -%}
{%- for name in read_columns -%}
    {%- set type = contract.columns[name].type -%}
    {%- do value_of.update({
        name: text_of[name] if type == 'varchar' or type.endswith('[]')
        else 'try_cast(' ~ text_of[name] ~ ' as ' ~ type ~ ')'
    }) -%}
{%- endfor -%}
{%- set classes_by_uid = {} -%}
{%- for class_name in contract.sources.ocsf.classes -%}
    {%- do classes_by_uid.update({contract.classes[class_name].class_uid: contract.classes[class_name]}) -%}
{%- endfor -%}
with raw_records as (
    {{ secfeat.landing_json_records('ocsf') }}
),

parsed as (
    select
        *,
        from_json(record, '{{ tojson(shape) }}') as ocsf
    from raw_records
),

texts as (
    select
        {{ secfeat.landing_json_record_columns() }},
        case
            when json_exists(record, '$.class_uid') or json_type(record, '$.metadata') = 'OBJECT' then 'ocsf'
        end as record_shape,
        {%- for read, alias in text_reads %}
            {{ read }} as {{ alias }},
        {%- endfor %}
        ocsf['metadata']['uid'] as record_uid,
        ocsf['metadata']['version'] as record_ocsf_version,
        ocsf['time'] as time_text,
        ocsf['time_dt'] as time_dt_text
    from parsed
),

typed as (
    select
        *,
        {%- for name in earlier_paths %}
            coalesce({{ name }}_text, {{ name }}_old) as {{ name }}_read,
        {%- endfor %}
        -- OCSF 1.0.0-rc.2 numbered API Activity 3005
        case
            when try_cast(class_uid_text as integer) = 3005 and starts_with(record_ocsf_version, '1.0.0-rc')
                then 6003
            else try_cast(class_uid_text as integer)
        end as class_uid,
        case
            when try_cast(time_text as bigint) is not null
                then make_timestamp(try_cast(time_text as bigint) * 1000)
            when time_text is null then {{ secfeat.iso_to_utc('time_dt_text') }}
        end as event_at,
        coalesce(time_text, time_dt_text) as event_time_text,
        coalesce(record_uid, md5(raw_line)) as event_identity
    from texts
),

values_read as (
    select
        *,
        {%- for name in read_columns if name != 'class_uid' %}
            {{ value_of[name] }} as {{ name }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from typed
),

{#- the first rule a record breaks: a required attribute missing, then a
    value of the wrong type, then one outside its enum -#}
{%- set validation = [] -%}
{%- for name in read_columns if name not in ['class_uid', 'status_id'] and contract.columns[name].get('required') -%}
    {%- do validation.append({'when': text_of[name] ~ ' is null', 'quarantine': 'missing_' ~ name}) -%}
{%- endfor -%}
{%- for name in read_columns if value_of[name] != text_of[name] -%}
    {%- do validation.append({
        'when': text_of[name] ~ ' is not null and ' ~ name ~ ' is null', 'quarantine': 'invalid_' ~ name,
    }) -%}
{%- endfor -%}
{%- for name in read_columns if contract.columns[name].get('captions') and name not in ['class_uid', 'activity_id'] -%}
    {%- set accepted = contract.columns[name].get('accepted_values')
        or (contract.columns[name].captions.keys() | list) + [0, 99] -%}
    {%- do validation.append({
        'when': name ~ ' not in (' ~ accepted | join(', ') ~ ')', 'quarantine': 'invalid_' ~ name,
    }) -%}
{%- endfor %}
{#- an activity is one of its class's, or Unknown (0) or Other (99) -#}
{%- set activity_check = [] -%}
{%- for class_uid, class in classes_by_uid.items() -%}
    {%- do activity_check.append(
        '(class_uid = ' ~ class_uid ~ ' and activity_id not in ('
        ~ ((class.activities.keys() | list) + [0, 99]) | join(', ') ~ '))'
    ) -%}
{%- endfor -%}
{%- do validation.append({'when': activity_check | join(' or '), 'quarantine': 'invalid_activity_id'}) -%}
{#- the user each class is keyed by -#}
{%- for class_uid, class in classes_by_uid.items() if class.get('user_key_required', true) -%}
    {%- set uid_column = class.user_key_from | replace('_name', '_uid') -%}
    {%- do validation.append({
        'when': 'class_uid = ' ~ class_uid ~ ' and coalesce(' ~ class.user_key_from ~ ', ' ~ uid_column ~ ') is null',
        'quarantine': 'missing_user',
    }) -%}
{%- endfor %}

-- validated once, materialized: the verdict cascade of map_to_ocsf repeats
-- each check, and DuckDB plans every enum list of one as a join
ocsf_fields as materialized (
    select
        * exclude (status_id, src_endpoint_ip, user_name),
        -- OCSF recommends status_id; a record without one has Unknown status
        coalesce(status_id, 0) as status_id,
        -- Security Lake names a console sign-in's user only as the actor (same uid)
        coalesce(user_name, case when user_uid = actor_user_uid then actor_user_name end) as user_name,
        {{ secfeat.normalize_ip('src_endpoint_ip_text') }} as src_endpoint_ip,
        case
            {%- for check in validation %}
                when {{ check.when }} then '{{ check.quarantine }}'
            {%- endfor %}
        end as contract_violation
    from values_read
)

{{ secfeat.map_to_ocsf(
    source_name='ocsf',
    relation='ocsf_fields',
    record_shape='record_shape',
    vendor_record='record',
    event_key=['event_identity', 'class_uid'],
    routing_checks=[
        {'when': 'class_uid_text is null', 'quarantine': 'missing_class_uid'},
        {'when': 'class_uid is null', 'quarantine': 'invalid_class_uid'},
        {
            'when': 'class_uid not in (' ~ classes_by_uid.keys() | join(', ') ~ ')',
            'ignore': 'class_not_in_contract',
        },
    ],
    event_time_text='event_time_text',
    ip_text='src_endpoint_ip_text',
    event_checks=[{'when': 'contract_violation is not null', 'quarantine_sql': 'contract_violation'}],
    columns=['class_uid'] + read_columns | reject('equalto', 'class_uid') | list + ['event_at'],
) }}
