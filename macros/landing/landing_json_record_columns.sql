{#- The columns landing_json_records gives every record: those of
    landing_record_columns and the parsed `record`. A JSON staging model
    passes them on. -#}
{% macro landing_json_record_columns() -%}
    {{ secfeat.landing_record_columns() }},
        record
{%- endmacro %}
