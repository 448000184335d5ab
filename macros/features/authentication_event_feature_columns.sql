{#- The select list of every authentication-event feature, each taken from the
    relation that computed its entity (aliases of the per-entity results). -#}
{% macro authentication_event_feature_columns(
    user_alias='user_features', user_src_ip_alias='user_src_ip_features', src_ip_alias='src_ip_features'
) -%}
    {%- set columns = [] -%}
    {%- for alias, features in [
        (user_alias, secfeat.user_features()),
        (user_src_ip_alias, secfeat.user_src_ip_features()),
        (src_ip_alias, secfeat.src_ip_features()),
    ] -%}
        {%- for feature in features -%}
            {%- do columns.append(alias ~ '.' ~ feature.name) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ columns | join(',\n        ') }}
{%- endmacro %}
