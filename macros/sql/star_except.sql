{#- Every column of the current relation but `columns`. -#}
{% macro star_except(columns, relation_alias=none) -%}
    {{ return(adapter.dispatch('star_except', 'secfeat')(columns, relation_alias)) }}
{%- endmacro %}

{% macro default__star_except(columns, relation_alias) -%}
    {%- if relation_alias %}{{ relation_alias }}.{% endif %}* exclude ({{ columns | join(', ') }})
{%- endmacro %}

{% macro bigquery__star_except(columns, relation_alias) -%}
    {%- if relation_alias %}{{ relation_alias }}.{% endif %}* except ({{ columns | join(', ') }})
{%- endmacro %}

{#- Spark 4 spells it as BigQuery does (Spark 3.5 has neither). -#}
{% macro spark__star_except(columns, relation_alias) -%}
    {{ secfeat.bigquery__star_except(columns, relation_alias) }}
{%- endmacro %}
