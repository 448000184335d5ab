{#- An IP address as text, the way every source's addresses compare: lower
    case, IPv4-mapped IPv6 (::ffff:1.2.3.4) folded to IPv4, and the leading
    zeros of an IPv4 octet dropped (anonymised exports write 08.1.250.216;
    read as decimal, never octal). Null when absent; use is_unparseable_ip()
    to tell absent from garbage. -#}
{% macro normalize_ip(expression) -%}
    {%- set address = "regexp_replace(lower(" ~ secfeat.null_if_blank(expression) ~ "), '^::ffff:', '')" -%}
    case
        when regexp_full_match({{ address }}, '[0-9]{1,3}(\.[0-9]{1,3}){3}')
            then regexp_replace({{ address }}, '(^|\.)0+([0-9])', '\1\2', 'g')
        else {{ address }}
    end
{%- endmacro %}
