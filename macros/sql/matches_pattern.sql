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

{#- Whether a string matches the regular expression another column holds (case-insensitive). -#}
{% macro matches_pattern_column(expression, pattern_column) -%}
    {{ return(adapter.dispatch('matches_pattern_column', 'secfeat')(expression, pattern_column)) }}
{%- endmacro %}

{% macro default__matches_pattern_column(expression, pattern_column) -%}
    regexp_like({{ expression }}, {{ pattern_column }}, 'i')
{%- endmacro %}

{% macro duckdb__matches_pattern_column(expression, pattern_column) -%}
    regexp_matches({{ expression }}, {{ pattern_column }}, 'i')
{%- endmacro %}

{% macro spark__matches_pattern_column(expression, pattern_column) -%}
    {{ expression }} rlike concat('(?i)', {{ pattern_column }})
{%- endmacro %}
