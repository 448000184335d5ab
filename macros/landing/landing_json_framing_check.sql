{#- The framing verdict of landing_json_records as the first check of a JSON
    source's map_to_ocsf: a record that is not a JSON object is quarantined or
    ignored with the reason landing_json_records gave. -#}
{% macro landing_json_framing_check() -%}
    {{ return({
        'when': 'record is null',
        'quarantine_sql': '_record_quarantine_reason',
        'ignore_sql': '_record_ignored_reason',
    }) }}
{%- endmacro %}
