{#- Whether a string matches a regular expression (case-insensitive). -#}
{% macro matches_pattern(expression, pattern) -%}
    {{ return(adapter.dispatch('matches_pattern', 'secfeat')(expression, pattern)) }}
{%- endmacro %}

{% macro default__matches_pattern(expression, pattern) -%}
    regexp_like({{ expression }}, '{{ pattern }}', 'i')
{%- endmacro %}

{% macro duckdb__matches_pattern(expression, pattern) -%}
    regexp_matches({{ expression }}, '{{ pattern }}', 'i')
{%- endmacro %}

{#- (?i), not lower(): lowering the pattern would turn \D into \d. -#}
{% macro spark__matches_pattern(expression, pattern) -%}
    {{ expression }} rlike '(?i){{ pattern }}'
{%- endmacro %}
