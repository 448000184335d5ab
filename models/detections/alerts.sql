{{ config(full_refresh=false, tags=['replayed'], **secfeat.history_table_config('alert_id')) }}
{#- One alert per incident, made of signals only: what an analyst works.

    1. Signals: the live ones of triaged_signals (not suppressed, withdrawn,
       disabled or short of a baseline), of the kinds var
       alert_detection_kinds names, at least var alert_min_severity (a
       lower one only adds risk); and entity_risk's instants at or over var
       risk_alert_threshold, as the detection entity_risk (high): signals
       that add up alert though none would alone.
    2. A signal on a user whose logon came from a source IP that an IP
       detection flagged at about that time (within var
       alert_incident_gap_minutes of that IP's incident) belongs to the IP's
       incident: one spray is one alert on its source IP.
    3. An incident is a run of signals on one entity, by any detections, with
       no gap longer than alert_incident_gap_minutes.
    4. Its alert takes the highest-severity detection as its own (earliest
       first on a tie), lists every detection that fired, its first and last
       event, the event uids behind it (up to 100, by uid; event_count counts
       all) and the entity's highest risk in it.
    5. A daily budget (var alerts_daily_budget) across all detections: per UTC
       day of the first event, highest severity first, then the number of
       detections that agree, then a rule's before the model's alone (a rule
       says why), then score, then the number of events; the rest are status
       over_budget.
    Recomputed from the signals every build (the same signals give the same
    alerts), then kept with their history: first_raised_at, last_changed_at;
    an alert no longer made (a late event moved its incident, a suppression
    took its signals) stays, withdrawn. full_refresh=false: history is never
    dropped by --full-refresh (drop the table to start over). -#}
{%- set kinds = var('alert_detection_kinds') -%}
{%- set severity_ids = {'low': 2, 'medium': 3, 'high': 4, 'critical': 5} -%}
{%- set min_severity_id = severity_ids[var('alert_min_severity')] -%}
{%- set gap_us = (var('alert_incident_gap_minutes') | int) * 60 * 1000000 -%}
{%- set budget_var = var('alerts_daily_budget') -%}
{%- set budget = none if budget_var in (none, '', 'None', 'none', 'null') or (budget_var | int) <= 0
    else budget_var | int -%}
{%- set evaluating_now = secfeat.build_started_at() -%}
{%- set hit_columns = [
    'detection', 'detection_kind', 'title', 'attack_technique_uid', 'attack_technique_name', 'attack_tactic_uid',
    'attack_tactic_name', 'severity', 'severity_id', 'entity_type', 'entity_key', 'event_uid', 'event_at',
    'user_key', 'src_endpoint_ip', 'score', 'model_name', 'model_version',
] -%}
{%- set alert_columns = [
    'alert_id', 'alert_day', 'status', 'daily_rank', 'detection', 'detections', 'detection_kind', 'title',
    'description', 'attack_technique_uid', 'attack_technique_name', 'attack_tactic_uid', 'attack_tactic_name',
    'severity', 'severity_id', 'entity_type', 'entity_key', 'first_event_at', 'last_event_at', 'event_count',
    'evidence_event_uids', 'entity_risk', 'score', 'model_name', 'model_version', 'detection_rule_uid',
    'detection_author', 'detection_license', 'detection_rule_url',
] -%}
{%- set history_columns = alert_columns + ['first_raised_at', 'last_changed_at', 'withdrawn_at'] -%}
with signals as (
    select * from {{ ref('triaged_signals') }}
),

risk as (
    select * from {{ ref('entity_risk') }}
),

hits as (
    select {{ hit_columns | join(', ') }}
    from signals
    where
        verdict = 'live'
        and detection_kind in ('{{ kinds | join("', '") }}')
        and severity_id >= {{ min_severity_id }}
    union all
    -- signals that add up: the entity's risk at this signal's instant is over the threshold
    select
        'entity_risk' as detection,
        'risk' as detection_kind,
        'Signals of several detections added up on one entity' as title,
        signals.attack_technique_uid,
        signals.attack_technique_name,
        signals.attack_tactic_uid,
        signals.attack_tactic_name,
        'high' as severity,
        4 as severity_id,
        risk.entity_type,
        risk.entity_key,
        signals.event_uid,
        risk.event_at,
        signals.user_key,
        signals.src_endpoint_ip,
        cast(null as double) as score,
        cast(null as string) as model_name,
        cast(null as string) as model_version
    from risk
    inner join signals
        on risk.signal_id = signals.signal_id
    where risk.is_over_threshold
),

chosen_hits as (
    select
        *,
        {{ secfeat.epoch_microseconds('event_at') }} as at_us
    from hits
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
        {%- for column in hit_columns if column not in ('entity_type', 'entity_key') %}
            chosen_hits.{{ column }},
        {%- endfor %}
        chosen_hits.at_us,
        case when src_ip_incidents.src_endpoint_ip is not null then 'src_ip' else chosen_hits.entity_type end
            as entity_type,
        coalesce(src_ip_incidents.src_endpoint_ip, chosen_hits.entity_key) as entity_key
    from chosen_hits
    left join src_ip_incidents
        on
            chosen_hits.entity_type = 'user'
            and chosen_hits.src_endpoint_ip = src_ip_incidents.src_endpoint_ip
            and chosen_hits.at_us between src_ip_incidents.from_us and src_ip_incidents.to_us
-- incidents of one IP are more than a gap apart, so a hit falls in at most one
),

with_risk as (
    select
        folded_hits.*,
        risk.risk as entity_risk
    from folded_hits
    left join risk
        on
            folded_hits.entity_type = risk.entity_type
            and folded_hits.entity_key = risk.entity_key
            and folded_hits.event_at = risk.event_at
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
        from with_risk
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
        {{ secfeat.sorted_distinct_list('detection') }} as detections,
        -- the incident's own detection: the most severe, the earliest on a tie
        min_by(
            {{ secfeat.struct_of({
                'detection': 'detection', 'detection_kind': 'detection_kind', 'title': 'title',
                'attack_technique_uid': 'attack_technique_uid', 'attack_technique_name': 'attack_technique_name',
                'attack_tactic_uid': 'attack_tactic_uid', 'attack_tactic_name': 'attack_tactic_name',
                'severity': 'severity', 'severity_id': 'severity_id',
            }) }},
            {{ secfeat.struct_of({'neg_severity': '-severity_id', 'at_us': 'at_us', 'detection': 'detection'}) }}
        ) as primary_detection,
        max_by(
            {{ secfeat.struct_of({'score': 'score', 'model_name': 'model_name', 'model_version': 'model_version'}) }},
            score
        ) as best_score,
        min_by(event_uid, {{ secfeat.struct_of({'at_us': 'at_us', 'event_uid': 'event_uid'}) }}) as first_event_uid,
        max(entity_risk) as max_entity_risk,
        {{ secfeat.sorted_distinct_list('event_uid') }} as all_event_uids
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
        incidents.max_entity_risk as entity_risk,
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
        || cast(incidents.event_count as string)
        || ' events from ' || {{ secfeat.timestamp_to_seconds_text('incidents.first_event_at') }} || ' to '
        || {{ secfeat.timestamp_to_seconds_text('incidents.last_event_at') }}
        || ' UTC ('
        || {{ secfeat.list_join('incidents.detections', ', ') }}
        || ')'
            as description,
        {{ secfeat.list_head('incidents.all_event_uids', 100) }} as evidence_event_uids
    from incidents
),

ranked as (
    select
        *,
        cast(row_number() over (
            partition by alert_day
            order by
                severity_id desc, {{ secfeat.list_length('detections') }} desc, detection_kind = 'rule' desc,
                score desc nulls last, event_count desc, alert_id asc
        ) as integer) as daily_rank
    from alerts
),

-- the rule behind the detection, which the alert keeps (a Sigma rule's author, by its licence)
ruled as (
    select
        ranked.*,
        detection_catalog.rule_uid as detection_rule_uid,
        detection_catalog.rule_author as detection_author,
        detection_catalog.rule_license as detection_license,
        detection_catalog.rule_url as detection_rule_url
    from ranked
    left join {{ ref('detection_catalog') }} as detection_catalog
        on ranked.detection = detection_catalog.detection
),

computed as (
    select
        {%- for column in alert_columns if column != 'status' %}
            {{ column }},
        {%- endfor %}
        {%- set is_within_budget = 'true' if budget is none else 'daily_rank <= ' ~ budget %}
        case when {{ is_within_budget }} then 'raised' else 'over_budget' end as status
    from ruled
),

{% if is_incremental() -%}
previous as (
    select * from {{ secfeat.previous_rows() }}
),

{% endif -%}
history as (
    select
        computed.*,
        {%- if is_incremental() %}
            coalesce(
                previous.first_raised_at, case when computed.status = 'raised' then {{ evaluating_now }} end
            ) as first_raised_at,
            case
                when
                    previous.alert_id is null
                    or previous.status is distinct from computed.status
                    or previous.detection is distinct from computed.detection
                    or previous.event_count is distinct from computed.event_count
                    or previous.last_event_at is distinct from computed.last_event_at
                    or previous.severity_id is distinct from computed.severity_id
                    then {{ evaluating_now }}
                else previous.last_changed_at
            end as last_changed_at,
        {%- else %}
            case when computed.status = 'raised' then {{ evaluating_now }} end as first_raised_at,
            {{ evaluating_now }} as last_changed_at,
        {%- endif %}
        cast(null as timestamp) as withdrawn_at
    from computed
    {%- if is_incremental() %}
        left join previous
            on computed.alert_id = previous.alert_id
    {%- endif %}
)

{%- if is_incremental() %}
    ,

    -- no longer made by the signals: kept, withdrawn
    withdrawn_alerts as (
        select
            {%- for column in alert_columns + ['first_raised_at'] if column != 'status' %}
                previous.{{ column }},
            {%- endfor %}
            'withdrawn' as status,
            case when previous.status = 'withdrawn' then previous.last_changed_at else {{ evaluating_now }} end
                as last_changed_at,
            coalesce(previous.withdrawn_at, {{ evaluating_now }}) as withdrawn_at
        from previous
        where previous.alert_id not in (select alert_id from computed)
    )
{%- endif %}

select {{ history_columns | join(', ') }} from history
{%- if is_incremental() %}
    union all
    select {{ history_columns | join(', ') }} from withdrawn_alerts
{%- endif %}
