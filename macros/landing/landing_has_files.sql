{#- True when the glob matches a file (at parse time, before execute, assume so). -#}
{% macro landing_has_files(file_pattern) -%}
    {%- set result = run_query("select count(*) from glob('" ~ file_pattern ~ "')") -%}
    {{ return(result.columns[0].values()[0] > 0) }}
{%- endmacro %}
