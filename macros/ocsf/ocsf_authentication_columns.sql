{#- The columns every vendor's staging model exposes for OCSF Authentication
    (3002), in the order users see them in ocsf_authentication. Defined once so
    the union, the docs and the conformance tests agree. -#}
{% macro ocsf_authentication_columns() -%}
    {{ return([
        'event_uid', 'source_name',
        'class_uid', 'category_uid', 'activity_id', 'type_uid',
        'metadata_uid', 'user_uid', 'user_name', 'user_domain', 'user_email_addr',
        'src_endpoint_ip', 'src_endpoint_hostname', 'src_endpoint_location_country',
        'dst_endpoint_hostname', 'status', 'status_code', 'status_detail',
        'auth_protocol', 'logon_process_name',
        'metadata_product_name', 'metadata_product_vendor_name', 'metadata_version',
        'status_id', 'severity_id', 'logon_type_id', 'auth_protocol_id',
        'src_endpoint_port', 'vendor_event_code',
        'is_mfa', 'is_remote',
        'event_at', '_ingested_at', '_source_file', '_source_line',
    ]) }}
{%- endmacro %}


{#- The staging models that map a vendor to OCSF Authentication. -#}
{% macro ocsf_authentication_sources() -%}
    {{ return(['stg_windows__security_events', 'stg_sshd__auth_log']) }}
{%- endmacro %}


{#- The same columns of every OCSF Authentication staging model, stacked:
    `columns` are select expressions, `where` an optional filter. -#}
{% macro union_authentication_staging(columns, where=none) -%}
    {%- for staging_model in secfeat.ocsf_authentication_sources() %}
        select
            {{ columns | join(',\n            ') }}
        from {{ ref(staging_model) }}
        {%- if where %}
            where {{ where }}
        {%- endif %}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- endmacro %}
