{#- Whether a source address is one of the org's own networks (seed
    org_networks), of the given kinds (all kinds when none): an office's NAT
    egress, the VPN, the LAN. Rules read it to tell an office's typos from a
    spray; false for null. -#}
{% macro is_org_network(ip, kinds=none) -%}
    exists (
        select 1
        from {{ ref('org_networks') }} as org_networks
        where
            {{ secfeat.ip_in_cidr(ip, 'org_networks.cidr') }}
            {%- if kinds %}
                and org_networks.network_kind in ('{{ kinds | join("', '") }}')
            {%- endif %}
    )
{%- endmacro %}
