{#- The columns landing_line_records gives every record: where it came from, its
    text, and its framing verdict. A staging model passes them on. -#}
{% macro landing_record_columns() -%}
    {{ ['_source_file', '_source_file_version', '_source_line', '_source_record', '_ingested_at', '_loaded_at',
        'raw_line',
        '_record_quarantine_reason', '_record_ignored_reason'] | join(',\n        ') }}
{%- endmacro %}
