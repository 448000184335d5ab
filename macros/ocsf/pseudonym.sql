{#- The keyed hash of an identifier that is already normalized (see
    pseudonymize_identifier): 32 lowercase hex digits, null for null. The key
    never appears in SQL: on DuckDB it lives in the secfeat_pseudonym function
    the dbt-duckdb plugin secfeat.duckdb_functions registers. -#}
{% macro pseudonym(expression) -%}
    {{ return(adapter.dispatch('pseudonym', 'secfeat')(expression)) }}
{%- endmacro %}

{% macro default__pseudonym(expression) -%}
    {{ exceptions.raise_compiler_error(
        "var pseudonymize_identifiers: no keyed hash for adapter " ~ adapter.type()
        ~ " yet (add a " ~ adapter.type() ~ "__pseudonym macro)") }}
{%- endmacro %}

{% macro duckdb__pseudonym(expression) -%}
    secfeat_pseudonym({{ expression }})
{%- endmacro %}
