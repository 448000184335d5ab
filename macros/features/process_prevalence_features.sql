{#- Per process (its lowercased path), over process launches: how widely it
    runs across the estate (on how many devices, by how many users), and when the launches behind that were last loaded
    (so a late launch re-flags the later launches it makes common). Inputs of
    rare_process_count_24h, not features of their own. -#}
{% macro process_prevalence_features() -%}
    {{ return([
        {'name': 'devices_launching_process_30d', 'aggregate': 'count_distinct', 'window': '30 days',
         'expression': 'device_hostname'},
        {'name': 'users_launching_process_30d', 'aggregate': 'count_distinct', 'window': '30 days',
         'expression': 'user_key'},
        {'name': 'prevalence_inputs_loaded_at', 'aggregate': 'max', 'window': '30 days',
         'expression': '_loaded_at'},
    ]) }}
{%- endmacro %}
