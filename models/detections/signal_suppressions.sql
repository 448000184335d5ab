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
{%- set disposed_user = 'lower(false_positives.user_key)' -%}
{%- set disposed_ip = 'false_positives.src_endpoint_ip' -%}
{%- if var('pseudonymize_identifiers') -%}
    {#- the seeds name people and addresses in clear: keyed as the signals key them -#}
    {%- set entity = "case when " ~ secfeat.ipv4_number('entity') ~ " is not null or entity like '%:%' then "
        ~ secfeat.pseudonymize_identifier('entity', 'ip') ~ " else "
        ~ secfeat.pseudonymize_identifier('entity', 'user_name') ~ " end" -%}
    {%- set disposed_user = secfeat.pseudonymize_identifier('false_positives.user_key', 'user_name') -%}
    {%- set disposed_ip = secfeat.pseudonymize_identifier('false_positives.src_endpoint_ip', 'ip') -%}
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

entity_kinds as (
    select kinds.entity_kind from (values ('user'), ('src_ip')) as kinds (entity_kind)
),

-- an analyst's false positive: the pair it was about, user and address (a detection has one entity type)
held_pairs as (
    select
        'FP-' || false_positives.alert_id || ':' || entity_kinds.entity_kind as suppression_id,
        'analyst_disposition' as suppression_source,
        false_positives.detection,
        case entity_kinds.entity_kind
            when 'user' then {{ disposed_user }}
            else {{ disposed_ip }}
        end as entity,
        cast(null as string) as entity_pattern,
        cast(null as string) as cidr_block,
        'analyst false positive: ' || coalesce(false_positives.note, '') as reason,
        false_positives.analyst as owned_by,
        false_positives.disposed_at as starts_at,
        false_positives.disposed_at + interval {{ var('false_positive_hold_days') | int }} day as expires_at
    from false_positives
    cross join entity_kinds
    where entity_kinds.entity_kind = 'user' or false_positives.src_endpoint_ip is not null
)

select * from team_suppressions
union all
select * from held_pairs
