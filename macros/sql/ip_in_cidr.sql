{#- Whether an address lies in a CIDR block: IPv4 blocks by prefix (10.0.0.0/8,
    23.20.1.10/32; a bare address is its /32); any other block (IPv6) only by
    equal text, the address or the block without its length. Null when either
    is null. -#}
{% macro ip_in_cidr(ip, cidr) -%}
    {%- set block_address = "split_part(" ~ cidr ~ ", '/', 1)" -%}
    {%- set prefix_length = "coalesce(cast(nullif(split_part(" ~ cidr ~ ", '/', 2), '') as integer), 32)" -%}
    case
        when {{ ip }} is null or {{ cidr }} is null then null
        when {{ secfeat.ipv4_number(ip) }} is not null and {{ secfeat.ipv4_number(block_address) }} is not null
            then floor({{ secfeat.ipv4_number(ip) }} / pow(2, 32 - {{ prefix_length }}))
            = floor({{ secfeat.ipv4_number(block_address) }} / pow(2, 32 - {{ prefix_length }}))
        else lower({{ ip }}) = lower({{ block_address }})
    end
{%- endmacro %}
