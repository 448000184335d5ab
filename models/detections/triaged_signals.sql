{{ config(tags=['replayed']) }}
{#- Every signal with its verdict, the one place that decides which signals
    count: withdrawn (a late event undid the hit), insufficient_baseline (the
    rule could not judge: has_baseline false), disabled (var
    disabled_detections; a replay's --detection counts as enabled), suppressed
    (a suppression in signal_suppressions matched: the first by id, with its
    reason), else live. Only live signals add risk and make alerts. -#}
{%- set replay = var('replay') -%}
{%- set disabled = var('disabled_detections') or [] -%}
{%- if replay and replay.detection -%}
    {%- set disabled = disabled | reject('equalto', replay.detection) | list -%}
{%- endif -%}
with signals as (
    select * from {{ ref('signals') }}
),

suppressions as (
    select * from {{ ref('signal_suppressions') }}
),

matched_suppressions as (
    select
        signals.signal_id,
        min(suppressions.suppression_id) as suppression_id
    from signals
    inner join suppressions
        on
            suppressions.detection in ('*', signals.detection)
            and (suppressions.starts_at is null or signals.event_at >= suppressions.starts_at)
            and (suppressions.expires_at is null or signals.event_at < suppressions.expires_at)
            and (suppressions.entity is null or signals.entity_key = suppressions.entity)
            and (
                suppressions.entity_pattern is null
                or {{ secfeat.matches_pattern_column('signals.entity_key', 'suppressions.entity_pattern') }}
            )
            and (
                suppressions.cidr_block is null
                or coalesce({{ secfeat.ip_in_cidr('signals.src_endpoint_ip', 'suppressions.cidr_block') }}, false)
            )
    where signals.withdrawn_at is null
    group by signals.signal_id
)

select
    signals.signal_id,
    {%- for column in secfeat.signal_hit_columns() + [
        'first_seen_at', 'first_seen_invocation_id', 'last_changed_at', 'withdrawn_at', '_evaluated_through',
    ] %}
        signals.{{ column }},
    {%- endfor %}
    case
        when signals.withdrawn_at is not null then 'withdrawn'
        when not signals.has_baseline then 'insufficient_baseline'
        {%- if disabled %}
            when signals.detection in ('{{ disabled | join("', '") }}') then 'disabled'
        {%- endif %}
        when matched_suppressions.suppression_id is not null then 'suppressed'
        else 'live'
    end as verdict,
    matched_suppressions.suppression_id,
    suppressions.reason as suppression_reason,
    suppressions.owned_by as suppression_owner
from signals
left join matched_suppressions
    on signals.signal_id = matched_suppressions.signal_id
left join suppressions
    on matched_suppressions.suppression_id = suppressions.suppression_id
