{#- Features per source IP, over logons with a source IP. -#}
{% macro src_ip_features() -%}
    {{ return([
        {'name': 'distinct_users_failed_1h', 'aggregate': 'count_distinct', 'window': '1 hour',
         'expression': 'user_key', 'filter': 'status_id = 2',
         'ocsf_inputs': ['authentication.activity_id', 'authentication.status_id', 'authentication.user.name',
                         'authentication.src_endpoint.ip', 'authentication.time']},
        {'name': 'distinct_users_failed_24h', 'aggregate': 'count_distinct', 'window': '24 hours',
         'expression': 'user_key', 'filter': 'status_id = 2',
         'ocsf_inputs': ['authentication.activity_id', 'authentication.status_id', 'authentication.user.name',
                         'authentication.src_endpoint.ip', 'authentication.time']},
        {'name': 'distinct_users_24h', 'aggregate': 'count_distinct', 'window': '24 hours',
         'expression': 'user_key',
         'ocsf_inputs': ['authentication.activity_id', 'authentication.user.name',
                         'authentication.src_endpoint.ip', 'authentication.time']},
        {'name': 'distinct_users_succeeded_24h', 'aggregate': 'count_distinct', 'window': '24 hours',
         'expression': 'user_key', 'filter': 'status_id = 1',
         'ocsf_inputs': ['authentication.activity_id', 'authentication.status_id', 'authentication.user.name',
                         'authentication.src_endpoint.ip', 'authentication.time']},
    ]) }}
{%- endmacro %}
