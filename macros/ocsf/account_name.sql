{#- An account as directories write it, split into name and domain:
    DOMAIN\user (NTLM, down-level logon name) and user@REALM (Kerberos, a
    UPN). A bare name is itself, with no domain. account_name_of() strips
    the domain, account_domain_of() returns it (null when none). -#}
{% macro account_name_of(expression) -%}
    nullif(regexp_extract({{ expression }}, '^(?:[^\\@]*\\)?(.*?)(?:@[^@\\]*)?$', 1), '')
{%- endmacro %}

{% macro account_domain_of(expression) -%}
    nullif(coalesce(
        nullif(regexp_extract({{ expression }}, '^([^\\@]*)\\', 1), ''),
        regexp_extract({{ expression }}, '^[^\\]*@([^@\\]*)$', 1)
    ), '')
{%- endmacro %}
