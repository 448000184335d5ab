{#- A post-hook of an incremental model: delete its rows past retention
    (timed by `time_expression`), which a full build never selects. Empty,
    so dbt skips it, when retention is off. -#}
{% macro delete_past_retention(time_expression) -%}
    {%- if secfeat.retention_cutoff() is not none -%}
        delete from {{ this }} where {{ secfeat.is_past_retention(time_expression) }}
    {%- endif -%}
{%- endmacro %}
