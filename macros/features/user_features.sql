{#- Features per user, over int_user_activity_events: the logons, privileged
    actions, process launches and cloud API calls of the user. Each entry is how the value is
    computed (rolling_window's arguments) and what the catalog says of it
    (`ocsf_inputs`, the OCSF attributes it reads as <class>.<path>). -#}
{% macro user_features() -%}
    {%- set logon_outcome_inputs = [
        'authentication.activity_id', 'authentication.status_id', 'authentication.user.name', 'authentication.time',
    ] -%}
    {%- set privileged_action_inputs = [
        'authorize_session.user.name', 'authorize_session.time', 'authentication.activity_id',
        'authentication.status_id', 'authentication.user.uid', 'authentication.actor.user.name',
        'authentication.time',
    ] -%}
    {%- set api_call_inputs = ['api_activity.actor.user.name', 'api_activity.time'] -%}
    {{ return([
        {'name': 'failed_logins_1h', 'aggregate': 'count', 'window': '1 hour',
         'filter': "activity_kind = 'logon' and status_id = 2",
         'ocsf_inputs': logon_outcome_inputs},
        {'name': 'failed_logins_24h', 'aggregate': 'count', 'window': '24 hours',
         'filter': "activity_kind = 'logon' and status_id = 2",
         'ocsf_inputs': logon_outcome_inputs},
        {'name': 'successful_logins_7d', 'aggregate': 'count', 'window': '7 days',
         'filter': "activity_kind = 'logon' and status_id = 1",
         'ocsf_inputs': logon_outcome_inputs},
        {'name': 'distinct_src_ips_24h', 'aggregate': 'count_distinct', 'window': '24 hours',
         'expression': 'src_endpoint_ip', 'filter': "activity_kind = 'logon'",
         'ocsf_inputs': ['authentication.activity_id', 'authentication.user.name',
                         'authentication.src_endpoint.ip', 'authentication.time']},
        {'name': 'login_geo_diversity_7d', 'aggregate': 'count_distinct', 'window': '7 days',
         'expression': 'src_endpoint_location_country', 'filter': "activity_kind = 'logon'",
         'ocsf_inputs': ['authentication.activity_id', 'authentication.user.name',
                         'authentication.src_endpoint.location.country', 'authentication.time']},
        {'name': 'privileged_action_count_24h', 'aggregate': 'count', 'window': '24 hours',
         'filter': "activity_kind = 'privileged_action'",
         'ocsf_inputs': privileged_action_inputs},
        {'name': 'mfa_prompts_1h', 'aggregate': 'count', 'window': '1 hour',
         'filter': "activity_kind = 'logon' and is_mfa and status_id in (2, 99)",
         'ocsf_inputs': logon_outcome_inputs + ['authentication.is_mfa']},
        {'name': 'successful_mfa_1h', 'aggregate': 'count', 'window': '1 hour',
         'filter': "activity_kind = 'logon' and is_mfa and status_id = 1",
         'ocsf_inputs': logon_outcome_inputs + ['authentication.is_mfa']},
        {'name': 'max_travel_speed_kmh_1h', 'aggregate': 'max', 'window': '1 hour',
         'expression': 'travel_speed_kmh', 'filter': "activity_kind = 'logon'",
         'ocsf_inputs': ['authentication.activity_id', 'authentication.status_id', 'authentication.user.name',
                         'authentication.src_endpoint.location.lat', 'authentication.src_endpoint.location.long',
                         'authentication.time']},
        {'name': 'privileged_action_count_1h', 'aggregate': 'count', 'window': '1 hour',
         'filter': "activity_kind = 'privileged_action'",
         'ocsf_inputs': privileged_action_inputs},
        {'name': 'privileged_action_count_7d', 'aggregate': 'count', 'window': '7 days',
         'filter': "activity_kind = 'privileged_action'",
         'ocsf_inputs': privileged_action_inputs},
        {'name': 'privileged_role_assumptions_7d', 'aggregate': 'count', 'window': '7 days',
         'filter': "privilege_kind = 'assumed_privileged_role'",
         'ocsf_inputs': ['authentication.activity_id', 'authentication.status_id', 'authentication.user.uid',
                         'authentication.actor.user.name', 'authentication.time']},
        {'name': 'api_calls_1h', 'aggregate': 'count', 'window': '1 hour',
         'filter': "activity_kind = 'api_call'",
         'ocsf_inputs': api_call_inputs},
        {'name': 'failed_api_calls_1h', 'aggregate': 'count', 'window': '1 hour',
         'filter': "activity_kind = 'api_call' and status_id = 2",
         'ocsf_inputs': api_call_inputs + ['api_activity.status_id']},
        {'name': 'rare_process_count_24h', 'aggregate': 'count', 'window': '24 hours',
         'filter': "activity_kind = 'process_launch' and is_rare_process",
         'ocsf_inputs': ['process_activity.activity_id', 'process_activity.actor.user.name',
                         'process_activity.process.file.path', 'process_activity.process.name',
                         'process_activity.device.hostname', 'process_activity.time']},
    ]) }}
{%- endmacro %}
