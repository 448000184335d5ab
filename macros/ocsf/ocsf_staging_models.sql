{#- The staging models that feed an OCSF class, or every staging model. -#}
{% macro ocsf_staging_models(ocsf_class=none) -%}
    {%- set models = [] -%}
    {%- for source in secfeat.ocsf_contract().sources.values()
            if ocsf_class is none or ocsf_class in source.classes -%}
        {%- do models.append(source.model) -%}
    {%- endfor -%}
    {{ return(models) }}
{%- endmacro %}
