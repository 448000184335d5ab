{#- Rows of every OCSF class model, stacked: `columns` are select expressions
    every class has (base columns, lineage, captions). -#}
{% macro union_ocsf_classes(columns) -%}
    {%- for ocsf_class in secfeat.ocsf_contract().classes %}
        select
            {{ columns | join(',\n            ') }}
        from {{ ref('ocsf_' ~ ocsf_class) }}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- endmacro %}
