{#- A dotted IPv4 address as a number (a.b.c.d -> a*2^24 + b*2^16 + c*2^8 + d);
    null for anything else (IPv6, a name, null). -#}
{% macro ipv4_number(ip) -%}
    case when {{ secfeat.matches_pattern(ip, '^[0-9]{1,3}([.][0-9]{1,3}){3}$') }} then
        cast(split_part({{ ip }}, '.', 1) as bigint) * 16777216
        + cast(split_part({{ ip }}, '.', 2) as bigint) * 65536
        + cast(split_part({{ ip }}, '.', 3) as bigint) * 256
        + cast(split_part({{ ip }}, '.', 4) as bigint)
    end
{%- endmacro %}
