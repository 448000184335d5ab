{#- A text literal of a Jinja value in the target's dialect; null for none.
    Spark takes two quotes as two adjacent literals: it escapes with a backslash. -#}
{% macro sql_text(value) -%}
    {%- if value is none -%}
        cast(null as string)
    {%- elif target.type == 'spark' -%}
        '{{ value | string | replace("\\", "\\\\") | replace("'", "\\'") }}'
    {%- else -%}
        '{{ value | string | replace("'", "''") }}'
    {%- endif -%}
{%- endmacro %}
