{#- A vendor's "no value" markers ('-', '', whitespace) as SQL null. -#}
{% macro null_if_blank(expression) -%}
    nullif(nullif(trim({{ expression }}), '-'), '')
{%- endmacro %}
