{#- The framing verdict of landing_line_records and landing_json_records as the first
    check of every staging model's map_to_ocsf: a file that holds no text, a
    line that is not UTF-8 or a record that is not a JSON object is
    quarantined or ignored with the reason the landing macro gave. -#}
{% macro landing_framing_check() -%}
    {{ return({
        'when': 'coalesce(_record_quarantine_reason, _record_ignored_reason) is not null',
        'quarantine_sql': '_record_quarantine_reason',
        'ignore_sql': '_record_ignored_reason',
    }) }}
{%- endmacro %}
