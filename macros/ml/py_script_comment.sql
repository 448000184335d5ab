{#- dbt renders a Python model's config when it parses the project, so an
    {{ invocation_id }} there is that of whichever run parsed it last (partial
    parsing keeps it across runs). This macro is rendered into every Python
    model when it runs; it overrides dbt's empty hook of the same name. -#}
{% macro py_script_comment() %}
dbtObj.invocation_id = "{{ invocation_id }}"
{% endmacro %}
