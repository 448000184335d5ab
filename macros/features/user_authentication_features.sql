{#- Every per-user authentication feature, defined once. Event-grain,
    entity-latest and as-of models all compute exactly this list with
    rolling_window, so the same name always means the same number. -#}
{% macro user_authentication_features() -%}
    {{ return([
        {'name': 'failed_logins_1h', 'aggregate': 'count', 'filter': 'status_id = 2', 'window': '1 hour'},
        {'name': 'failed_logins_24h', 'aggregate': 'count', 'filter': 'status_id = 2', 'window': '24 hours'},
        {'name': 'successful_logins_7d', 'aggregate': 'count', 'filter': 'status_id = 1', 'window': '7 days'},
        {'name': 'distinct_src_ips_24h', 'aggregate': 'count_distinct', 'expression': 'src_endpoint_ip', 'window': '24 hours'},
    ]) }}
{%- endmacro %}
