{#- Whether a source address is one of the org's own networks (seed
    org_networks), of the given kinds (all kinds when none): an office's NAT
    egress, the VPN, the LAN. Rules read it to tell an office's typos from a
    spray; false for null. -#}
{% macro is_org_network(ip, kinds=none) -%}
    coalesce((
        select bool_or({{ secfeat.ip_in_cidr(ip, 'org_networks.cidr') }})
        from {{ ref('org_networks') }} as org_networks
        {%- if kinds %}
            where org_networks.network_kind in ('{{ kinds | join("', '") }}')
        {%- endif %}
    ), false)
{%- endmacro %}
