{#- Caption column -> the enum id column it is derived from (severity ->
    severity_id), for every contract column that names a `caption`. -#}
{% macro ocsf_caption_columns() -%}
    {%- set captions = {} -%}
    {%- for name, spec in secfeat.ocsf_contract().columns.items() if spec.get('caption') -%}
        {%- do captions.update({spec.caption: name}) -%}
    {%- endfor -%}
    {{ return(captions) }}
{%- endmacro %}
