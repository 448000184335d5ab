{#- OCSF Authentication (3002) from every vendor: logons, logoffs, Kerberos
    tickets and credential checks, one row per event. -#}
{{ secfeat.ocsf_class_model('authentication') }}
