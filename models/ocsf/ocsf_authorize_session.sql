{#- OCSF Authorize Session (3003): privileges assigned to a new logon
    (Windows 4672), one row per event. -#}
{{ secfeat.ocsf_class_model('authorize_session') }}
