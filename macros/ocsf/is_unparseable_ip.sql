{#- True when the text is present but is neither an IPv4 nor an IPv6 address
    (a zone id such as %eth0, %eth0.100 or %br-lan is allowed). -#}
{% macro is_unparseable_ip(expression) -%}
    (
        {{ secfeat.normalize_ip(expression) }} is not null
        and not regexp_full_match(
            {{ secfeat.normalize_ip(expression) }},
            '((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])'
        )
        and not regexp_full_match({{ secfeat.normalize_ip(expression) }}, '[0-9a-f:]*:[0-9a-f:.]*(%[0-9a-z._-]+)?')
    )
{%- endmacro %}
