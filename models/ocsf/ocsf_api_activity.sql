{#- OCSF API Activity (6003): cloud control-plane calls that are not
    authentications (CloudTrail management events), one row per event. -#}
{{ secfeat.ocsf_class_model('api_activity') }}
