{#- Ground truth of the demo's injected attacks (absent for real data: no rows). -#}
{%- do ref('stg_pseudonymization__key_fingerprint') -%}
{%- set incidents_file = var('landing_dir') ~ '/incidents.csv' -%}
{%- set entity_key = 'lower(entity)' -%}
{%- if var('pseudonymize_identifiers') -%}
    {%- set entity_key = "case entity_type when 'user' then "
        ~ secfeat.pseudonymize_identifier('entity', 'user_name') ~ " when 'src_ip' then "
        ~ secfeat.pseudonymize_identifier('entity', 'ip') ~ " end" -%}
{%- endif %}
with
{% if execute and not secfeat.landing_has_files(incidents_file) -%}
    incidents as (
        select
            null::varchar as incident_id,
            null::varchar as technique,
            null::varchar as entity_type,
            null::varchar as entity,
            null::varchar as start_at,
            null::varchar as end_at
        where false
    ),
{%- else -%}
    incidents as (
        select * from {{ source('simulation', 'incidents') }}
    ),
{%- endif %}

final as (
    select
        incident_id,
        technique,
        entity_type,
        end_at::timestamp as ended_at,
        -- the generator times attacks to the microsecond, but Windows and sshd
        -- record whole seconds and Okta milliseconds: an attempt logged at
        -- 07:34:56 belongs to an incident that started at 07:34:56.965
        date_trunc('second', start_at::timestamp) as started_at,
        -- keyed as the OCSF models key the same user or address
        {{ entity_key }} as entity_key
    from incidents
)

select * from final
