{#- Custom schemas are used as given (staging, snapshots), not prefixed with the
    target's schema: analysts find `staging.stg_...` and `main.ocsf_...`. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
