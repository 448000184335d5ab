{#- An IP address as text, IPv4-mapped IPv6 (::ffff:1.2.3.4) folded to IPv4.
    Null when absent; use is_unparseable_ip() to tell absent from garbage. -#}
{% macro normalize_ip(expression) -%}
    regexp_replace(lower({{ secfeat.null_if_blank(expression) }}), '^::ffff:', '')
{%- endmacro %}
