{#- The select list of every authentication-event feature, each taken from the
    relation that computed its entity (aliases of the per-entity results).
    user_country_alias=none leaves the per-(user, country) features out: the
    login model does not read them (analyst labels carry no country). -#}
{% macro authentication_event_feature_columns(
    user_alias='user_features', user_src_ip_alias='user_src_ip_features', src_ip_alias='src_ip_features',
    user_country_alias='user_country_features'
) -%}
    {%- set columns = [] -%}
    {%- set entities = [
        (user_alias, secfeat.user_features()),
        (user_src_ip_alias, secfeat.user_src_ip_features()),
        (src_ip_alias, secfeat.src_ip_features()),
    ] + ([(user_country_alias, secfeat.user_country_features())] if user_country_alias else []) -%}
    {%- for alias, features in entities -%}
        {%- for feature in features -%}
            {%- do columns.append(alias ~ '.' ~ feature.name) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ columns | join(',\n        ') }}
{%- endmacro %}
