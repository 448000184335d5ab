{#- What the login model's inputs mean, as one row: the feature definitions
    (macro login_model_feature_definitions) and their MD5, the version a model
    is trained on. Training logs both to MLflow. -#}
{%- set definitions = tojson(secfeat.login_model_feature_definitions(), sort_keys=True) -%}
select
    '{{ definitions | replace("'", "''") }}' as feature_definitions,
    '{{ local_md5(definitions) }}' as feature_definitions_version
