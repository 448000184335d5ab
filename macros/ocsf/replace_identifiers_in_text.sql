{#- Free text with each of the record's own identifiers, wherever it stands as
    a whole word (any case), replaced by its pseudonym, in the order given
    (emails before the user names inside them). `identifiers` is a list of
    [the identifier as the record has it, its pseudonym] SQL pairs; a null
    identifier replaces nothing. Other people's names in the text stay. -#}
{% macro replace_identifiers_in_text(text, identifiers) -%}
    {%- if not identifiers -%}
        {{ return(text) }}
    {%- endif -%}
    {{ return(adapter.dispatch('replace_identifiers_in_text', 'secfeat')(text, identifiers)) }}
{%- endmacro %}

{% macro default__replace_identifiers_in_text(text, identifiers) -%}
    {{ exceptions.raise_compiler_error(
        "var pseudonymize_identifiers: no replace_identifiers_in_text for adapter " ~ adapter.type() ~ " yet") }}
{%- endmacro %}

{#- a Python function of the dbt-duckdb plugin: RE2 has no lookaround, and a
    pattern built per row costs 60 us a row, fifteen times the function -#}
{% macro duckdb__replace_identifiers_in_text(text, identifiers) -%}
    secfeat_replace_identifiers(
        {{ text }},
        [{% for raw, pseudonym in identifiers %}{{ raw }}{% if not loop.last %}, {% endif %}{% endfor %}],
        [{% for raw, pseudonym in identifiers %}{{ pseudonym }}{% if not loop.last %}, {% endif %}{% endfor %}]
    )
{%- endmacro %}
