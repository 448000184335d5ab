{#- True when a row timed `time_expression` is older than retention_cutoff()
    (never when retention is off, or the time is null). -#}
{% macro is_past_retention(time_expression) -%}
    {%- set cutoff = secfeat.retention_cutoff() -%}
    {%- if cutoff is none -%}
        false
    {%- else -%}
        coalesce(({{ time_expression }}) < {{ cutoff }}, false)
    {%- endif -%}
{%- endmacro %}
