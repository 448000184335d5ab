{#- Every feature, defined once. Event-grain, entity-latest and training-set
    models all compute these lists with rolling_window, so a name always means
    the same number. Each list is for one entity; the catalog (the models'
    YAML meta) says the same, and the catalog test holds the two together. -#}

{#- Per user, over int_user_activity_events: logons, privileged actions and
    process launches of the user. -#}
{% macro user_features() -%}
    {{ return([
        {'name': 'failed_logins_1h', 'aggregate': 'count', 'window': '1 hour',
         'filter': "activity_kind = 'logon' and status_id = 2"},
        {'name': 'failed_logins_24h', 'aggregate': 'count', 'window': '24 hours',
         'filter': "activity_kind = 'logon' and status_id = 2"},
        {'name': 'successful_logins_7d', 'aggregate': 'count', 'window': '7 days',
         'filter': "activity_kind = 'logon' and status_id = 1"},
        {'name': 'distinct_src_ips_24h', 'aggregate': 'count_distinct', 'window': '24 hours',
         'expression': 'src_endpoint_ip', 'filter': "activity_kind = 'logon'"},
        {'name': 'login_geo_diversity_7d', 'aggregate': 'count_distinct', 'window': '7 days',
         'expression': 'src_endpoint_location_country', 'filter': "activity_kind = 'logon'"},
        {'name': 'privileged_action_count_24h', 'aggregate': 'count', 'window': '24 hours',
         'filter': "activity_kind = 'privileged_action'"},
        {'name': 'rare_process_count_24h', 'aggregate': 'count', 'window': '24 hours',
         'filter': "activity_kind = 'process_launch' and is_rare_process"},
    ]) }}
{%- endmacro %}


{#- Per (user, source IP), over logons with a source IP. At an event: true
    when no other logon of the user from this IP falls in the 30 days up to
    and including it. -#}
{% macro user_src_ip_features() -%}
    {{ return([
        {'name': 'is_new_src_ip_30d', 'aggregate': 'count', 'window': '30 days', 'transform': '{value} <= 1'},
    ]) }}
{%- endmacro %}


{#- Per source IP, over logons with a source IP. -#}
{% macro src_ip_features() -%}
    {{ return([
        {'name': 'distinct_users_failed_1h', 'aggregate': 'count_distinct', 'window': '1 hour',
         'expression': 'user_key', 'filter': 'status_id = 2'},
    ]) }}
{%- endmacro %}


{#- Per process (its lowercased path), over process launches: how widely it
    runs across the estate, and when the launches behind that were ingested
    (so a late launch re-flags the later launches it makes common). -#}
{% macro process_prevalence_features() -%}
    {{ return([
        {'name': 'devices_launching_process_30d', 'aggregate': 'count_distinct', 'window': '30 days',
         'expression': 'device_hostname'},
        {'name': 'prevalence_inputs_ingested_at', 'aggregate': 'max', 'window': '30 days',
         'expression': '_ingested_at'},
    ]) }}
{%- endmacro %}


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


{#- What a login model's inputs mean: the event-grain feature definitions and
    the vars their inputs depend on. Training logs it to MLflow with its hash,
    the version of the definitions a model was trained on. -#}
{% macro login_model_feature_definitions() -%}
    {{ return({
        'features': {
            'user': secfeat.user_features(),
            'user, src_ip': secfeat.user_src_ip_features(),
            'src_ip': secfeat.src_ip_features(),
            'process': secfeat.process_prevalence_features(),
        },
        'vars': {
            'privileged_role_uid_pattern': var('privileged_role_uid_pattern'),
            'rare_process_max_devices': var('rare_process_max_devices'),
        },
    }) }}
{%- endmacro %}
