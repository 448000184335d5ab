{#-
    The end of every vendor staging model: its parsed fields mapped by name
    onto the OCSF contract's columns, one row per raw record (or per event, for
    a record that stands for several).

    `relation` (the model's last CTE) names its fields after the contract's
    columns; `columns` lists those it carries. Every other contract column of
    the source's classes is a typed null, and every column is cast to its
    contract type. A listed column the relation lacks fails at build time; an
    alias of the relation named after a contract column but not listed fails
    at compile time.
    `record_shape`: SQL naming the shape a record was shipped in (NXLog,
    Winlogbeat, an EventBridge envelope...), decided per record; null for a
    record of no shape the model reads.
    The macro writes the routing and lineage columns (_source_shape from
    `record_shape`), event_uid (a hash of the
    source and `event_key`, null parts included), category_uid and type_uid (from class_uid and
    activity_id), metadata_version, and the verdict of each record, first
    match wins:
      0. the landing macro's framing verdict (landing_framing_check), then
         unrecognized_record_shape: a record that is not blank and of no
         shape the model reads;
      1. `routing_checks`: event-type routing, vendor by vendor;
      2. the checks every source shares: missing_timestamp (when
         `event_time_text` is null), unparseable_timestamp, future_timestamp,
         timestamp_before_floor (before var event_time_floor), unparseable_ip
         (of `ip_text`);
      3. `event_checks`: the vendor's own checks of a mapped event;
      4. missing_user: every one of `user_fields` is null (only where
         `user_required_when` holds, when given).
    A check is {'when': <sql>, 'quarantine': <reason>} or {'when': <sql>,
    'ignore': <reason>}; `quarantine_sql`/`ignore_sql` give the reason as SQL.
    `vendor_record`: SQL giving the record as its vendor writes it, one JSON
    object in the vendor's own field names whatever shape shipped it (an
    EventBridge envelope unwrapped, Windows EventData flattened beside
    EventID): `_vendor_record`, which Sigma rules read by field path
    (src/secfeat/sigma/fields.py maps each source's paths). Kept for every
    record, ignored ones included.
    `events_per_record`: how many events a staged record stands for (sshd's
    "message repeated N times"); `event_index` (1..N) is then in scope of
    `event_key`.
    With var pseudonymize_identifiers on, every column the contract marks
    `pseudonymize` is written as its pseudonym (pseudonymize_identifier), an
    event's free text with the record's own identifiers replaced
    (replace_identifiers_in_text; a record that is no event has no text), and
    raw_line only for quarantined records (the quarantine shows it), no
    _vendor_record (it spells every identifier in clear); the checks
    and event_key read the record as it is. A build that would add rows under
    another key than the one recorded fails. With var retention_days set,
    records past retention (staging_retention_time) are not staged, and
    post-hooks delete the rows that aged past it since and mark the file
    versions left without rows.
-#}
{% macro map_to_ocsf(
    source_name, relation, event_key, columns, record_shape,
    routing_checks=[], event_checks=[], event_time_text=none, ip_text=none,
    user_fields=[], user_required_when=none, events_per_record=none, vendor_record=none
) -%}
    {%- set contract = secfeat.ocsf_contract() -%}
    {%- if source_name not in contract.sources -%}
        {{ exceptions.raise_compiler_error(
            "source '" ~ source_name ~ "' is not in the OCSF contract (macros/ocsf/ocsf_contract.sql: sources)"
        ) }}
    {%- endif -%}
    {%- set classes = contract.sources[source_name].classes -%}
    {{ config(post_hook=[
        "{{ secfeat.delete_past_retention(secfeat.staging_retention_time()) }}",
        "{{ secfeat.mark_files_past_retention('" ~ source_name ~ "') }}",
    ]) }}
    {#- staged only under the key recorded there: it fails on a change, and so
        does a build that adds to this model without it -#}
    {%- set key_fingerprint = ref('stg_pseudonymization__key_fingerprint') -%}
    {%- if execute and is_incremental() -%}
        {%- set recorded = none -%}
        {%- if adapter.get_relation(key_fingerprint.database, key_fingerprint.schema, key_fingerprint.identifier) -%}
            {%- set recorded = run_query('select key_fingerprint from ' ~ key_fingerprint).columns[0].values() | first -%}
        {%- endif -%}
        {{ secfeat.check_pseudonymization_key(recorded, secfeat.pseudonymization_key_fingerprint()) }}
    {%- endif -%}
    {%- set contract_columns = secfeat.ocsf_source_columns(source_name) -%}
    {%- set derived = ['event_uid', 'category_uid', 'type_uid', 'metadata_version'] -%}
    {%- for name in columns -%}
        {%- if name in derived -%}
            {{ exceptions.raise_compiler_error(
                "map_to_ocsf(" ~ source_name ~ "): " ~ name ~ " is derived by the macro; do not map it") }}
        {%- elif name not in contract_columns -%}
            {{ exceptions.raise_compiler_error(
                "map_to_ocsf(" ~ source_name ~ "): '" ~ name ~ "' is no column of its classes "
                ~ classes | join(', ') ~ " in the OCSF contract") }}
        {%- endif -%}
    {%- endfor -%}
    {#- an alias of the relation named after a contract column but not listed would be silently null -#}
    {%- set raw_code = model.get('raw_code', '') if model is mapping else '' -%}
    {%- set relation_start = raw_code.find(relation ~ ' as (') -%}
    {%- set relation_end = raw_code.find('secfeat.map_to_ocsf(') -%}
    {%- if relation_start >= 0 and relation_end > relation_start -%}
        {%- for alias in modules.re.findall('\\bas\\s+([a-z_][a-z0-9_]*)\\s*,?\\s*(?:--[^\\n]*)?\\n', raw_code[relation_start:relation_end])
                if alias in contract_columns and alias not in columns -%}
            {{ exceptions.raise_compiler_error(
                "map_to_ocsf(" ~ source_name ~ "): " ~ relation ~ " computes contract column '" ~ alias
                ~ "' but `columns` does not list it, so it would be null: list it") }}
        {%- endfor -%}
    {%- endif -%}
    {#- contract column -> the SQL it is read from: its own name, but a single-class source's class_uid -#}
    {%- set mapped = {} -%}
    {%- for name in columns -%}
        {%- do mapped.update({name: name}) -%}
    {%- endfor -%}
    {%- if 'class_uid' not in mapped -%}
        {%- if classes | length > 1 -%}
            {{ exceptions.raise_compiler_error(
                "map_to_ocsf(" ~ source_name ~ "): a source of several classes maps class_uid") }}
        {%- endif -%}
        {%- do mapped.update({'class_uid': contract.classes[classes[0]].class_uid}) -%}
    {%- endif -%}
    {%- for required in ['activity_id', 'event_at'] if required not in mapped -%}
        {{ exceptions.raise_compiler_error("map_to_ocsf(" ~ source_name ~ "): map " ~ required) }}
    {%- endfor -%}

    {%- set checks = [
        secfeat.landing_framing_check(),
        {
            'when': "(" ~ record_shape ~ ") is null and trim(coalesce(raw_line, '')) != ''",
            'quarantine': 'unrecognized_record_shape',
        },
    ] -%}
    {%- do checks.extend(routing_checks) -%}
    {%- if event_time_text is not none -%}
        {%- do checks.append({'when': event_time_text ~ ' is null', 'quarantine': 'missing_timestamp'}) -%}
    {%- endif -%}
    {%- do checks.append({'when': '(' ~ mapped.event_at ~ ') is null', 'quarantine': 'unparseable_timestamp'}) -%}
    {%- do checks.append({
        'when': secfeat.is_from_the_future('(' ~ mapped.event_at ~ ')', '_ingested_at'),
        'quarantine': 'future_timestamp',
    }) -%}
    {%- do checks.append({
        'when': '(' ~ mapped.event_at ~ ") < timestamp '" ~ var('event_time_floor') ~ "'",
        'quarantine': 'timestamp_before_floor',
    }) -%}
    {%- if ip_text is not none -%}
        {%- do checks.append({'when': secfeat.is_unparseable_ip(ip_text), 'quarantine': 'unparseable_ip'}) -%}
    {%- endif -%}
    {%- do checks.extend(event_checks) -%}
    {%- if user_fields -%}
        {%- set user_missing = 'coalesce(' ~ user_fields | join(', ') ~ ') is null' -%}
        {%- do checks.append({
            'when': user_missing if user_required_when is none else '(' ~ user_required_when ~ ') and ' ~ user_missing,
            'quarantine': 'missing_user',
        }) -%}
    {%- endif -%}

    {#- identifier column -> its pseudonym, computed once below; free text is
        scrubbed of them, uids first (an AWS ARN spells a role and a person's
        session name: "User: arn:aws:sts::1:assumed-role/Admin/jane is not
        authorized"), emails before the user names inside them -#}
    {%- set pseudonymize = var('pseudonymize_identifiers') -%}
    {%- set identifier_kinds = {} -%}
    {%- set text_columns = [] -%}
    {%- set text_identifiers = [] -%}
    {%- if pseudonymize -%}
        {%- for kind in ['uid', 'email', 'full_name', 'user_name', 'ip', 'path', 'text'] -%}
            {%- for name in columns if contract.columns[name].get('pseudonymize') == kind -%}
                {%- if kind == 'text' -%}
                    {%- do text_columns.append(name) -%}
                {%- else -%}
                    {%- do identifier_kinds.update({name: kind}) -%}
                {%- endif -%}
                {%- if kind in ['uid', 'email', 'full_name', 'user_name', 'ip'] -%}
                    {%- do text_identifiers.append(['cast(' ~ mapped[name] ~ ' as varchar)', '_pseudonym__' ~ name]) -%}
                {%- endif -%}
                {%- if kind == 'ip' -%}
                    {#- reverse DNS names spell an IPv4 address with dashes: 113-160-1-2.isp.example -#}
                    {%- do text_identifiers.append([
                        "replace(cast(" ~ mapped[name] ~ " as varchar), '.', '-')", '_pseudonym__' ~ name,
                    ]) -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}

    {%- set class_uid_sql = '(' ~ mapped.class_uid ~ ')' -%}
    select
        -- routing and lineage
        '{{ source_name }}' as source_name,
        _source_file,
        _source_file_version,
        _source_line,
        _source_record,
        _ingested_at,
        _loaded_at,
        _quarantine_reason,
        _ignored_reason,
        cast({{ record_shape }} as varchar) as _source_shape,
        {%- if pseudonymize %}
        -- kept for the quarantine only: the raw text is not pseudonymized
        case when _quarantine_reason is not null then raw_line end as raw_line,
        cast(null as json) as _vendor_record,
        {%- else %}
        raw_line,
        case when _quarantine_reason is null then cast({{ vendor_record or 'null' }} as json) end as _vendor_record,
        {%- endif %}

        -- every class
        -- a null key part stands as \N, so keys differing only in which part is null never collide
        md5(concat_ws('|', '{{ source_name }}'
            {%- for part in event_key -%}
                , coalesce(cast({{ part }} as varchar), '\N')
            {%- endfor -%}
        )) as event_uid,
        {%- for name in contract_columns if name != 'event_uid' %}
            {%- set type = contract.columns[name].type %}
            {%- if name == 'category_uid' %}
        case {{ class_uid_sql }}
            {%- for class in contract.classes.values() %}
            when {{ class.class_uid }} then {{ class.category.uid }}
            {%- endfor %}
        end as category_uid,
            {%- elif name == 'type_uid' %}
        cast({{ class_uid_sql }} * 100 + ({{ mapped.activity_id }}) as {{ type }}) as type_uid,
            {%- elif name == 'metadata_version' %}
        '{{ contract.ocsf_version }}' as metadata_version,
            {%- elif name in text_columns %}
        -- only an event's: a record that is none may name others (sshd's "session closed for user x")
        case when _quarantine_reason is null and _ignored_reason is null then cast(
            {{ secfeat.replace_identifiers_in_text('cast(' ~ mapped[name] ~ ' as varchar)', text_identifiers) }}
            as {{ type }}
        ) end as {{ name }},
            {%- elif name in identifier_kinds %}
        cast(_pseudonym__{{ name }} as {{ type }}) as {{ name }},
            {%- elif name in mapped %}
        cast({{ mapped[name] }} as {{ type }}) as {{ name }},
            {%- else %}
        cast(null as {{ type }}) as {{ name }},
            {%- endif %}
        {%- endfor %}
    from (
    {%- if identifier_kinds %}
    -- each identifier's pseudonym, once: its column and the free text use it
    select
        *,
        {%- for name, kind in identifier_kinds.items() %}
        {{ secfeat.pseudonymize_identifier('cast(' ~ mapped[name] ~ ' as varchar)', kind) }} as _pseudonym__{{ name }}
            {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from (
    {%- endif %}
        select
            *,
            {%- for verdict in ['quarantine', 'ignore'] %}
            case _first_matching_check
                {%- for check in checks %}
                {%- if verdict in check %}
                when {{ loop.index }} then '{{ check[verdict] }}'
                {%- elif verdict ~ '_sql' in check %}
                when {{ loop.index }} then {{ check[verdict ~ '_sql'] }}
                {%- endif %}
                {%- endfor %}
            end as {{ '_quarantine_reason' if verdict == 'quarantine' else '_ignored_reason' }}
            {%- if not loop.last %},{% endif %}
            {%- endfor %}
            {%- if events_per_record is not none %},
            -- a staged record that stands for N events is N rows
            unnest(range(
                1,
                case when _first_matching_check is null then {{ events_per_record }} else 1 end + 1
            )) as event_index
            {%- endif %}
        from (
            select
                *,
                -- each record's verdict is its first matching check
                case
                    {%- for check in checks %}
                    when {{ check.when }} then {{ loop.index }}
                    {%- endfor %}
                end as _first_matching_check
            from {{ relation }}
        ) as checked
    ) as verdicts
    {%- if identifier_kinds %}
    ) as pseudonymized
    {%- endif %}
    {%- if secfeat.retention_cutoff() is not none %}
    where not {{ secfeat.is_past_retention(secfeat.staging_retention_time()) }}
    {%- endif %}
{%- endmacro %}
