{#- Per (user, source country) features at every logon with a country (Okta,
    Entra and Google Workspace give one). At an event: true when no other
    successful logon of the user from this country falls in the 30 days up to
    and including it. -#}
{% macro user_country_features() -%}
    {{ return([
        {'name': 'is_new_country_30d', 'aggregate': 'count', 'window': '30 days', 'transform': '{value} <= 1',
         'filter': 'status_id = 1',
         'ocsf_inputs': ['authentication.activity_id', 'authentication.status_id', 'authentication.user.name',
                         'authentication.src_endpoint.location.country', 'authentication.time']},
    ]) }}
{%- endmacro %}
