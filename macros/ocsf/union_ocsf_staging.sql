{#- Rows of every staging model, stacked: `columns` are select expressions,
    `where` an optional filter, `ocsf_class` limits to that class's sources. -#}
{% macro union_ocsf_staging(columns, where=none, ocsf_class=none) -%}
    {%- for staging_model in secfeat.ocsf_staging_models(ocsf_class) %}
        select
            {{ columns | join(',\n            ') }}
        from {{ ref(staging_model) }}
        {%- if where %}
            where {{ where }}
        {%- endif %}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- endmacro %}
