{#- Custom schemas are used as given (staging, snapshots), not prefixed with the
    target's schema: analysts find `staging.stg_...` and `main.ocsf_...`.
    A replay (var replay, `secfeat detections replay`) builds the models tagged
    `replayed` (signals to alerts) into the schema `replay`, never the live tables. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if var('replay', none) and node is not none and 'replayed' in (node.tags or []) -%}
        replay
    {%- elif custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
