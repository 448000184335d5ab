{#- The columns landing_json_records gives every record: where it came from,
    its text, and its framing verdict. A JSON staging model passes them on. -#}
{% macro landing_json_record_columns() -%}
    {{ ['_source_file', '_source_line', '_source_record', '_ingested_at', 'raw_line', 'record',
        '_record_quarantine_reason', '_record_ignored_reason'] | join(',\n        ') }}
{%- endmacro %}
