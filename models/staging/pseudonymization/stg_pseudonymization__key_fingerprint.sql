{{ config(materialized='table') }}
{#- The fingerprint of the key the warehouse's identifiers are pseudonymized
    with (null: they are stored in plain), one row, recorded by every build
    before any staging model runs (they depend on it). A build whose key, or
    var pseudonymize_identifiers, differs from the one recorded fails here,
    before its incremental tables mix two kinds of identifiers; a full refresh
    records the new one. -#}
{%- set fingerprint = secfeat.pseudonymization_key_fingerprint() -%}
{%- if execute and not flags.FULL_REFRESH -%}
    {%- set built = namespace(recorded=none, staged=false) -%}
    {%- if adapter.get_relation(this.database, this.schema, this.identifier) is not none -%}
        {%- set built.staged = true -%}
        {%- set built.recorded = run_query('select key_fingerprint from ' ~ this).columns[0].values() | first -%}
    {%- else -%}
        {#- a warehouse staged before fingerprints were recorded holds plain identifiers -#}
        {%- for node in graph.nodes.values()
                if node.resource_type == 'model' and node.name in secfeat.ocsf_staging_models() -%}
            {%- if adapter.get_relation(node.database, node.schema, node.alias) is not none -%}
                {%- set built.staged = true -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if built.staged -%}
        {{ secfeat.check_pseudonymization_key(built.recorded, fingerprint) }}
    {%- endif -%}
{%- endif %}

select
    cast({{ 'null' if fingerprint is none else "'" ~ fingerprint ~ "'" }} as varchar) as key_fingerprint,
    {{ secfeat.build_started_at() }} as recorded_at
