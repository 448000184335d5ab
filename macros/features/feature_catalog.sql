{#- Every catalogued feature list, with the entity its features are computed
    per and who owns them. The catalog YAML of every model that carries a
    feature is generated from this (make generate), and
    assert_features_are_catalogued holds the models to it. -#}
{% macro feature_catalog() -%}
    {{ return([
        {'macro': 'user_features', 'entity': 'user', 'owner': 'detection-engineering',
         'features': secfeat.user_features()},
        {'macro': 'user_src_ip_features', 'entity': 'user, src_ip', 'owner': 'detection-engineering',
         'features': secfeat.user_src_ip_features()},
        {'macro': 'user_country_features', 'entity': 'user, country', 'owner': 'detection-engineering',
         'features': secfeat.user_country_features()},
        {'macro': 'src_ip_features', 'entity': 'src_ip', 'owner': 'detection-engineering',
         'features': secfeat.src_ip_features()},
    ]) }}
{%- endmacro %}
