{{ config(tags=['replayed']) }}
{#- Every suppression in force at some time: the team's own (seed
    suppressions: a detection or * for all, an entity, an entity pattern or a
    CIDR, a reason, an owner, from when until when) and each analyst's false
    positive (seed analyst_dispositions), which holds its (detection, entity)
    for var false_positive_hold_days from its disposition. A suppression
    matches a signal of its detection (or any, for *) whose event falls in
    [starts_at, expires_at) and whose entity is the entity (user or address),
    matches the pattern (a case-insensitive regular expression on the stored
    key) or lies in the CIDR block; what it leaves empty matches everything.
    Suppressed signals are kept (triaged_signals), never dropped. -#}
{%- set entity = 'entity' -%}
{%- set disposed_user = 'lower(user_key)' -%}
{%- set disposed_ip = 'src_endpoint_ip' -%}
{%- if var('pseudonymize_identifiers') -%}
    {#- the seeds name people and addresses in clear: keyed as the signals key them -#}
    {%- set entity = "case when " ~ secfeat.ipv4_number('entity') ~ " is not null or entity like '%:%' then "
        ~ secfeat.pseudonymize_identifier('entity', 'ip') ~ " else "
        ~ secfeat.pseudonymize_identifier('entity', 'user_name') ~ " end" -%}
    {%- set disposed_user = secfeat.pseudonymize_identifier('user_key', 'user_name') -%}
    {%- set disposed_ip = secfeat.pseudonymize_identifier('src_endpoint_ip', 'ip') -%}
{%- endif %}
with team_suppressions as (
    select
        suppression_id,
        'team' as suppression_source,
        coalesce(nullif(trim(detection), ''), '*') as detection,
        {{ entity }} as entity,
        nullif(entity_pattern, '') as entity_pattern,
        nullif(cidr, '') as cidr_block,
        reason,
        owned_by,
        starts_at,
        expires_at
    from {{ ref('suppressions') }}
),

false_positives as (
    select * from {{ ref('analyst_dispositions') }}
    where disposition = 'false_positive' and detection is not null
),

-- an analyst's false positive: the pair it was about, user and address (a detection has one entity type)
held_pairs as (
    select
        'FP-' || alert_id || ':user' as suppression_id,
        'analyst_disposition' as suppression_source,
        detection,
        {{ disposed_user }} as entity,
        cast(null as varchar) as entity_pattern,
        cast(null as varchar) as cidr_block,
        'analyst false positive: ' || coalesce(note, '') as reason,
        analyst as owned_by,
        disposed_at as starts_at,
        disposed_at + interval {{ var('false_positive_hold_days') | int }} day as expires_at
    from false_positives
    union all
    select
        'FP-' || alert_id || ':src_ip' as suppression_id,
        'analyst_disposition' as suppression_source,
        detection,
        {{ disposed_ip }} as entity,
        cast(null as varchar) as entity_pattern,
        cast(null as varchar) as cidr_block,
        'analyst false positive: ' || coalesce(note, '') as reason,
        analyst as owned_by,
        disposed_at as starts_at,
        disposed_at + interval {{ var('false_positive_hold_days') | int }} day as expires_at
    from false_positives
    where src_endpoint_ip is not null
)

select * from team_suppressions
union all
select * from held_pairs
