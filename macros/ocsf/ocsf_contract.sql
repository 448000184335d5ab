{#-
    The contract between vendor staging models and the OCSF models users query.

    Every staging model returns one row per raw record (a few sources expand a
    record into several events, e.g. sshd's "message repeated N times"), with
    the routing columns below, the columns common to every OCSF class, and the
    columns of each class it maps to (null where the vendor has no value).
    OCSF attribute paths are flattened with '_' (src_endpoint.ip ->
    src_endpoint_ip); the models' YAML maps each column back to its path.
-#}

{#- Routing and lineage: every staging row, staged or not. -#}
{% macro ocsf_routing_columns() -%}
    {{ return([
        'source_name', '_source_file', '_source_line', '_source_record', '_ingested_at',
        '_quarantine_reason', '_ignored_reason', 'raw_line',
    ]) }}
{%- endmacro %}


{#- Columns of every OCSF class (base event and metadata). Captions such as
    class_name or status are derived from the ids in the OCSF models. -#}
{% macro ocsf_base_columns() -%}
    {{ return([
        'event_uid',
        'class_uid', 'category_uid', 'activity_id', 'type_uid', 'severity_id',
        'status_id', 'status_code', 'status_detail', 'message',
        'event_at',
        'metadata_uid', 'metadata_event_code', 'metadata_product_name', 'metadata_product_vendor_name',
        'metadata_version',
    ]) }}
{%- endmacro %}


{#- Class-specific columns, per OCSF class the warehouse exposes. -#}
{% macro ocsf_class_columns(ocsf_class) -%}
    {%- set columns = {
        'authentication': [
            'user_name', 'user_uid', 'user_domain', 'user_email_addr', 'user_full_name', 'user_type_id',
            'actor_user_name', 'actor_user_uid',
            'src_endpoint_ip', 'src_endpoint_port', 'src_endpoint_hostname', 'src_endpoint_domain',
            'src_endpoint_location_country', 'src_endpoint_location_city',
            'dst_endpoint_hostname', 'dst_endpoint_svc_name', 'service_name',
            'logon_type_id', 'auth_protocol_id', 'auth_protocol', 'logon_process_name',
            'session_uid', 'is_mfa', 'is_remote',
        ],
        'authorize_session': [
            'user_name', 'user_uid', 'user_domain', 'privileges', 'session_uid_alt', 'dst_endpoint_hostname',
        ],
        'process_activity': [
            'actor_user_name', 'actor_user_uid', 'actor_user_domain', 'actor_session_uid_alt',
            'device_hostname', 'device_type_id',
            'process_pid', 'process_name', 'process_file_name', 'process_file_path', 'process_file_type_id',
            'process_cmd_line', 'parent_process_pid', 'parent_process_name', 'parent_process_file_name',
            'parent_process_file_path', 'parent_process_file_type_id', 'launch_type_id', 'exit_code',
        ],
        'api_activity': [
            'actor_user_name', 'actor_user_uid', 'actor_user_type', 'actor_user_account_uid',
            'actor_user_credential_uid', 'actor_session_is_mfa',
            'api_operation', 'api_service_name', 'api_request_uid', 'api_response_error',
            'api_response_message',
            'src_endpoint_ip', 'src_endpoint_domain', 'http_request_user_agent',
            'cloud_provider', 'cloud_region', 'cloud_account_uid',
        ],
    } -%}
    {%- if ocsf_class not in columns -%}
        {{ exceptions.raise_compiler_error("unknown OCSF class '" ~ ocsf_class ~ "'") }}
    {%- endif -%}
    {{ return(columns[ocsf_class]) }}
{%- endmacro %}


{#- class_uid of each class the warehouse exposes. -#}
{% macro ocsf_class_uid(ocsf_class) -%}
    {{ return({
        'authentication': 3002,
        'authorize_session': 3003,
        'process_activity': 1007,
        'api_activity': 6003,
    }[ocsf_class]) }}
{%- endmacro %}


{#- Which staging models map to which class. Add a vendor here and it flows
    into the class models, quarantine and landing_audit. -#}
{% macro ocsf_class_sources(ocsf_class=none) -%}
    {%- set sources = {
        'authentication': [
            'stg_windows__security_events', 'stg_sshd__auth_log', 'stg_cloudtrail__events',
            'stg_okta__system_log', 'stg_entra__signin_logs',
        ],
        'authorize_session': ['stg_windows__security_events'],
        'process_activity': ['stg_windows__security_events'],
        'api_activity': ['stg_cloudtrail__events'],
    } -%}
    {%- if ocsf_class is none -%}
        {%- set every_model = [] -%}
        {%- for models in sources.values() -%}
            {%- for model in models if model not in every_model -%}
                {%- do every_model.append(model) -%}
            {%- endfor -%}
        {%- endfor -%}
        {{ return(every_model) }}
    {%- endif -%}
    {{ return(sources[ocsf_class]) }}
{%- endmacro %}


{#- Rows of every staging model, stacked: `columns` are select expressions,
    `where` an optional filter, `ocsf_class` limits to that class's sources. -#}
{% macro union_ocsf_staging(columns, where=none, ocsf_class=none) -%}
    {%- for staging_model in secfeat.ocsf_class_sources(ocsf_class) %}
        select
            {{ columns | join(',\n            ') }}
        from {{ ref(staging_model) }}
        {%- if where %}
            where {{ where }}
        {%- endif %}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- endmacro %}
