{#- OCSF Process Activity (1007): process launches and exits (Windows
    4688/4689), one row per event; the user is the actor who ran it. -#}
{{ secfeat.ocsf_class_model('process_activity') }}
