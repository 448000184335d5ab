{#- CASE expression giving the caption of an enum id: `captions` maps id to
    caption; 0 is Unknown and 99 Other, except where `with_unknown_and_other`
    is false (class and category ids have no such members). -#}
{% macro ocsf_caption(id_column, captions, with_unknown_and_other=true) -%}
    case {{ id_column }}
        {%- for id, caption in captions.items() %}
        when {{ id }} then '{{ caption | replace("'", "''") }}'
        {%- endfor %}
        {%- if with_unknown_and_other %}
        when 0 then 'Unknown'
        when 99 then 'Other'
        {%- endif %}
    end
{%- endmacro %}
