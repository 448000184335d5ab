{#- Whether an IP address names the host itself, not a peer: IPv4 loopback
    (127.0.0.0/8), IPv6 loopback (::1) and the unspecified addresses. Every
    host has its own 127.0.0.1, so a feature keyed by such an address mixes
    many machines: no detection alerts on it as a source IP. Null stays null. -#}
{% macro is_host_local_ip(ip) -%}
    ({{ ip }} like '127.%' or {{ ip }} in ('::1', '0.0.0.0', '::'))
{%- endmacro %}
