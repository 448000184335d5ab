{#- The OCSF columns a source's staging model has: the base columns, then
    those of each class it maps to, in contract order (lineage not included). -#}
{% macro ocsf_source_columns(source_name) -%}
    {%- set contract = secfeat.ocsf_contract() -%}
    {%- set columns = [] -%}
    {%- do columns.extend(contract.base_columns) -%}
    {%- for ocsf_class in contract.sources[source_name].classes -%}
        {%- for column in contract.classes[ocsf_class].columns if column not in columns -%}
            {%- do columns.append(column) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(columns) }}
{%- endmacro %}
