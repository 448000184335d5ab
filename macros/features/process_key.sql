{#- What makes two launches the same program: the lowercased path (else the
    name), with a per-user install's profile folder made one
    (c:\users\alice\appdata\...\app.exe and c:\users\bob\appdata\...\app.exe
    are one program, c:\users\*\appdata\...\app.exe), so a program every user
    installs for themselves is not rare on every machine. -#}
{% macro process_key(path, name) -%}
    {{ return(adapter.dispatch('process_key', 'secfeat')(path, name)) }}
{%- endmacro %}

{% macro default__process_key(path, name) -%}
    regexp_replace(lower(coalesce({{ path }}, {{ name }})), '^([a-z]:\\users\\)[^\\]+', '\1*')
{%- endmacro %}

{#- Spark reads backslashes in string literals as escapes, and writes a group as $1. -#}
{% macro spark__process_key(path, name) -%}
    regexp_replace(lower(coalesce({{ path }}, {{ name }})), '^([a-z]:\\\\users\\\\)[^\\\\]+', '$1*')
{%- endmacro %}
