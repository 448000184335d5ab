{#- Features per (user, source IP), over logons with a source IP. At an event:
    true when no other logon of the user from this IP falls in the 30 days up
    to and including it. -#}
{% macro user_src_ip_features() -%}
    {{ return([
        {'name': 'is_new_src_ip_30d', 'aggregate': 'count', 'window': '30 days', 'transform': '{value} <= 1',
         'ocsf_inputs': ['authentication.activity_id', 'authentication.user.name',
                         'authentication.src_endpoint.ip', 'authentication.time']},
    ]) }}
{%- endmacro %}
