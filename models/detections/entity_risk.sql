{{ config(materialized='table', tags=['replayed']) }}
{#- The risk of each entity (a user, a source IP) at every instant one of its
    live signals happened: the timeline analysts query, and what `alerts`
    reads to raise an alert when signals add up though none would alone.

    Each live signal weighs its severity's weight (var
    risk_severity_weights), halving every var risk_half_life_hours after it.
    A detection counts once per entity: its heaviest decayed signal up to that
    instant, so one noisy rule cannot pile up risk; risk is the sum over the
    entity's detections; at or over the threshold with two detections or more
    it is over the threshold (one detection alone alerts, or not, on its own
    severity). Signals older than ten half-lives are left out (under
    a thousandth of their weight). Rebuilt from the signals each build: small,
    and a replay gives the same timeline. -#}
{%- set weights = var('risk_severity_weights') -%}
{%- set half_life_hours = var('risk_half_life_hours') | float -%}
with live_signals as (
    select * from {{ ref('triaged_signals') }}
    where verdict = 'live'
),

weighted as (
    select
        entity_type,
        entity_key,
        detection,
        event_at,
        max(case severity
            {%- for severity, weight in weights.items() %}
                when '{{ severity }}' then {{ weight }}
            {%- endfor %}
            else 0
        end) as weight,
        min(signal_id) as signal_id
    from live_signals
    group by entity_type, entity_key, detection, event_at
),

instants as (
    select
        entity_type,
        entity_key,
        event_at,
        min(signal_id) as signal_id,
        {{ secfeat.sorted_distinct_list('detection') }} as detections_at_instant
    from weighted
    group by entity_type, entity_key, event_at
),

contributions as (
    select
        instants.entity_type,
        instants.entity_key,
        instants.event_at,
        weighted.detection,
        max(
            weighted.weight * pow(
                0.5,
                (
                    {{ secfeat.epoch_microseconds('instants.event_at') }}
                    - {{ secfeat.epoch_microseconds('weighted.event_at') }}
                ) / ({{ half_life_hours }} * 3600e6
                )
            )
        ) as contribution
    from instants
    inner join weighted
        on
            instants.entity_type = weighted.entity_type
            and instants.entity_key = weighted.entity_key
            and instants.event_at >= weighted.event_at
            and {{ secfeat.epoch_microseconds('weighted.event_at') }}
            > {{ secfeat.epoch_microseconds('instants.event_at') }} - {{ (half_life_hours * 10 * 3600e6) | int }}
    group by instants.entity_type, instants.entity_key, instants.event_at, weighted.detection
),

risk as (
    select
        entity_type,
        entity_key,
        event_at,
        -- summed in one order: the same signals give the same risk, to the last bit
        {{ secfeat.sum_in_order('contribution', ['detection']) }} as risk,
        count(*) as contributing_detections,
        {{ secfeat.list_in_order('detection', ['-contribution', 'detection']) }} as detections
    from contributions
    group by entity_type, entity_key, event_at
)

select
    risk.entity_type,
    risk.entity_key,
    risk.event_at,
    risk.risk,
    -- signals that add up: two detections at least (one alone alerts, or not, on its own terms)
    risk.risk >= {{ var('risk_alert_threshold') }} and risk.contributing_detections >= 2 as is_over_threshold,
    risk.contributing_detections,
    risk.detections,
    instants.signal_id
from risk
inner join instants
    on
        risk.entity_type = instants.entity_type
        and risk.entity_key = instants.entity_key
        and risk.event_at = instants.event_at
