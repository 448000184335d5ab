{{ config(materialized='table', tags=['uses_champion']) }}
{#- One alert per incident, across every detection: what an analyst works.

    1. Hits: every row of the detection models (det_*), of the kinds var
       alert_detection_kinds names (rule, model).
    2. A hit on a user whose logon came from a source IP that an IP detection
       flagged at about that time (within var alert_incident_gap_minutes of
       that IP's incident) belongs to the IP's incident: one spray is one
       alert on its source IP, however many accounts it touched.
    3. An incident is a run of hits on one entity (user or source IP), by any
       detections, with no gap longer than alert_incident_gap_minutes.
    4. Its alert takes the highest-severity detection as its own (earliest
       first on a tie), lists every detection that fired, its first and last
       event, and the event uids behind it (up to 100, by uid; event_count counts all).
    5. A daily budget (var alerts_daily_budget) across all detections: per UTC
       day of the first event, highest severity first, then the number of
       detections that agree, then a rule's before the model's alone (a rule
       says why), then score, then the number of events; the rest are status
       over_budget.
    Rebuilt whole from the detections on every build, so the same events
    always give the same alerts. -#}
{%- set detection_models = [
    'det_brute_force', 'det_brute_force_then_success', 'det_success_without_mfa_after_failures',
    'det_password_spray', 'det_password_spray_slow', 'det_credential_stuffing', 'det_mfa_fatigue',
    'det_impossible_travel', 'det_new_country_sign_in', 'det_privilege_burst', 'det_rare_tool_execution',
    'det_cloud_privilege_escalation', 'det_login_risk_model',
] -%}
{%- set kinds = var('alert_detection_kinds') -%}
{%- set gap_us = (var('alert_incident_gap_minutes') | int) * 60 * 1000000 -%}
{%- set budget_var = var('alerts_daily_budget') -%}
{%- set budget = none if budget_var in (none, '', 'None', 'none', 'null') or (budget_var | int) <= 0
    else budget_var | int -%}
{%- set hit_columns = [
    'detection', 'detection_kind', 'title', 'attack_technique_uid', 'attack_technique_name', 'attack_tactic_uid',
    'attack_tactic_name', 'severity', 'severity_id', 'entity_type', 'entity_key', 'event_uid', 'event_at',
    'user_key', 'src_endpoint_ip', 'score', 'model_name', 'model_version',
] -%}
with hits as (
    {%- for detection_model in detection_models %}
        select {{ hit_columns | join(', ') }} from {{ ref(detection_model) }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

chosen_hits as (
    select
        *,
        {{ secfeat.epoch_microseconds('event_at') }} as at_us
    from hits
    where
        detection_kind in ('{{ kinds | join("', '") }}')
),

src_ip_hits as (
    select
        *,
        coalesce(
            at_us - lag(at_us) over (partition by entity_key order by at_us, event_uid, detection) > {{ gap_us }},
            true
        ) as starts_incident
    from chosen_hits
    where entity_type = 'src_ip'
),

src_ip_incidents as (
    select
        entity_key as src_endpoint_ip,
        min(at_us) - {{ gap_us }} as from_us,
        max(at_us) + {{ gap_us }} as to_us
    from (
        select
            *,
            sum(case when starts_incident then 1 else 0 end)
                over (partition by entity_key order by at_us, event_uid, detection rows unbounded preceding)
                as incident_number
        from src_ip_hits
    ) as numbered
    group by entity_key, incident_number
),

-- a user hit inside an IP's incident, from that IP, is part of it
folded_hits as (
    select
        chosen_hits.* replace (
            case when src_ip_incidents.src_endpoint_ip is not null then 'src_ip' else chosen_hits.entity_type end
                as entity_type,
            coalesce(src_ip_incidents.src_endpoint_ip, chosen_hits.entity_key) as entity_key
        )
    from chosen_hits
    left join src_ip_incidents
        on
            chosen_hits.entity_type = 'user'
            and chosen_hits.src_endpoint_ip = src_ip_incidents.src_endpoint_ip
            and chosen_hits.at_us between src_ip_incidents.from_us and src_ip_incidents.to_us
-- incidents of one IP are more than a gap apart, so a hit falls in at most one
),

sessionized as (
    select
        *,
        sum(case when starts_incident then 1 else 0 end) over (
            partition by entity_type, entity_key order by at_us, event_uid, detection rows unbounded preceding
        ) as incident_number
    from (
        select
            *,
            coalesce(
                at_us - lag(at_us) over (
                    partition by entity_type, entity_key order by at_us, event_uid, detection
                ) > {{ gap_us }},
                true
            ) as starts_incident
        from folded_hits
    ) as marked
),

incidents as (
    select
        entity_type,
        entity_key,
        incident_number,
        min(event_at) as first_event_at,
        max(event_at) as last_event_at,
        count(distinct event_uid) as event_count,
        list(distinct detection order by detection) as detections,
        -- the incident's own detection: the most severe, the earliest on a tie
        arg_min(
            struct_pack(
                detection, detection_kind, title, attack_technique_uid, attack_technique_name,
                attack_tactic_uid, attack_tactic_name, severity, severity_id
            ),
            struct_pack(neg_severity := -severity_id, at_us, detection)
        ) as primary_detection,
        arg_max(struct_pack(score, model_name, model_version), score) as best_score,
        arg_min(event_uid, struct_pack(at_us, event_uid)) as first_event_uid,
        list(distinct event_uid order by event_uid) as all_event_uids
    from sessionized
    group by entity_type, entity_key, incident_number
),

alerts as (
    select
        cast(incidents.first_event_at as date) as alert_day,
        primary_detection.detection,
        incidents.detections,
        primary_detection.detection_kind,
        primary_detection.title,
        primary_detection.attack_technique_uid,
        primary_detection.attack_technique_name,
        primary_detection.attack_tactic_uid,
        primary_detection.attack_tactic_name,
        primary_detection.severity,
        primary_detection.severity_id,
        incidents.entity_type,
        incidents.entity_key,
        incidents.first_event_at,
        incidents.last_event_at,
        incidents.event_count,
        best_score.score,
        best_score.model_name,
        best_score.model_version,
        'ALR-'
        || left(md5(incidents.entity_type || ':' || incidents.entity_key || ':' || incidents.first_event_uid), 16)
            as alert_id,
        primary_detection.title
        || ': '
        || incidents.entity_type
        || ' '
        || incidents.entity_key
        || ', '
        || incidents.event_count
        || ' events from ' || strftime(incidents.first_event_at, '%Y-%m-%d %H:%M:%S') || ' to '
        || strftime(incidents.last_event_at, '%Y-%m-%d %H:%M:%S')
        || ' UTC ('
        || array_to_string(incidents.detections, ', ')
        || ')'
            as description,
        incidents.all_event_uids[1:100] as evidence_event_uids
    from incidents
),

ranked as (
    select
        *,
        cast(row_number() over (
            partition by alert_day
            order by
                severity_id desc, len(detections) desc, detection_kind = 'rule' desc, score desc nulls last,
                event_count desc, alert_id asc
        ) as integer) as daily_rank
    from alerts
)

select
    alert_id,
    alert_day,
    case when {{ 'true' if budget is none else 'daily_rank <= ' ~ budget }} then 'raised' else 'over_budget' end
        as status,
    daily_rank,
    detection,
    detections,
    detection_kind,
    title,
    description,
    attack_technique_uid,
    attack_technique_name,
    attack_tactic_uid,
    attack_tactic_name,
    severity,
    severity_id,
    entity_type,
    entity_key,
    first_event_at,
    last_event_at,
    event_count,
    evidence_event_uids,
    score,
    model_name,
    model_version
from ranked
