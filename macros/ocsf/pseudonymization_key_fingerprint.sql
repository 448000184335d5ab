{#- Run at execution time: the fingerprint of the pseudonymization key (a
    keyed hash of a fixed text: it tells keys apart and reveals nothing of
    them), or none when var pseudonymize_identifiers is off. Fails, saying
    what to set, when the key or the function that holds it is missing. -#}
{% macro pseudonymization_key_fingerprint() -%}
    {%- if not var('pseudonymize_identifiers') or not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(adapter.dispatch('pseudonymization_key_fingerprint', 'secfeat')()) }}
{%- endmacro %}

{% macro default__pseudonymization_key_fingerprint() -%}
    {{ exceptions.raise_compiler_error(
        "var pseudonymize_identifiers: no keyed hash for adapter " ~ adapter.type() ~ " yet") }}
{%- endmacro %}

{% macro duckdb__pseudonymization_key_fingerprint() -%}
    {%- set registered = run_query(
        "select count(*) from duckdb_functions() where function_name = 'secfeat_pseudonymization_key_fingerprint'"
    ).columns[0].values()[0] -%}
    {%- if registered == 0 -%}
        {{ exceptions.raise_compiler_error(
            "var pseudonymize_identifiers needs the functions of the dbt-duckdb plugin secfeat.duckdb_functions:"
            ~ " add `plugins: [{module: secfeat.duckdb_functions}]` to the target in profiles.yml") }}
    {%- endif -%}
    {{ return(run_query("select secfeat_pseudonymization_key_fingerprint()").columns[0].values()[0]) }}
{%- endmacro %}
