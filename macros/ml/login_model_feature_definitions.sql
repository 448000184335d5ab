{#- What a login model's inputs mean: how each event-grain feature is computed
    and the vars its inputs depend on (catalog text left out: rewording a
    description is no new version). Training logs it to MLflow with its hash,
    the version of the definitions a model was trained on. -#}
{% macro login_model_feature_definitions() -%}
    {%- set computation_keys = ['name', 'aggregate', 'window', 'expression', 'filter', 'transform'] -%}
    {%- set features = {} -%}
    {%- for entity, feature_list in [
        ('user', secfeat.user_features()),
        ('user, src_ip', secfeat.user_src_ip_features()),
        ('src_ip', secfeat.src_ip_features()),
        ('process', secfeat.process_prevalence_features()),
    ] -%}
        {%- set definitions = [] -%}
        {%- for feature in feature_list -%}
            {%- set definition = {} -%}
            {%- for key in computation_keys if key in feature -%}
                {%- do definition.update({key: feature[key]}) -%}
            {%- endfor -%}
            {%- do definitions.append(definition) -%}
        {%- endfor -%}
        {%- do features.update({entity: definitions}) -%}
    {%- endfor -%}
    {{ return({
        'features': features,
        'vars': {
            'privileged_role_uid_pattern': var('privileged_role_uid_pattern'),
            'rare_process_max_devices': var('rare_process_max_devices'),
        },
    }) }}
{%- endmacro %}
