{{ config(tags=['replayed'], **secfeat.history_table_config('signal_id')) }}
{#- Every hit of every detection (the det_* models, listed by
    secfeat.detection_models() from the folder): one row per detection and
    event, with when the warehouse first saw it and in which build. What
    `alerts` is made of, and nothing else.

    Incremental: a build evaluates the feature detections only on the events whose
    features (or score) were computed since the signals it last wrote
    (_evaluated_through): a new event, or an event a late one changed. A hit
    seen before keeps first_seen_at; one that no longer hits (a late event
    changed its features) is withdrawn (withdrawn_at), never deleted.
    Compiled Sigma rules (det_sigma_*, models/detections/sigma) read staged
    records: a build evaluates those staged since (for a correlation, the
    events whose window holds one); their hits are never withdrawn.
    Changing a rule, the seed org_networks or a guard's var changes past hits:
    rebuild this model with --full-refresh (history starts over).

    A replay (var replay: since, until) evaluates every event in
    [since, until) into the schema replay. -#}
{%- set replay = var('replay') -%}
{%- set hit_columns = secfeat.signal_hit_columns() -%}
{#- what makes a re-evaluated hit a change -#}
{%- set history_columns = hit_columns + [
    'signal_id', 'first_seen_at', 'first_seen_invocation_id', 'last_changed_at', 'withdrawn_at', '_evaluated_through',
] -%}
{%- set content_columns = ['severity_id', 'entity_key', 'event_at', 'score', 'model_version', 'has_baseline'] -%}
{%- set feature_parts = [
    (ref('feat_user_activity_events'), '_computed_at'),
    (ref('feat_user_src_ip_authentication_events'), '_computed_at'),
    (ref('feat_src_ip_authentication_events'), '_computed_at'),
    (ref('feat_user_country_authentication_events'), '_computed_at'),
    (secfeat.login_scores(), '_arrived_at'),
] -%}
{%- set evaluating_now = secfeat.build_started_at() -%}
{#- compiled Sigma rules (det_sigma_*) read staged records, not features: those staged since -#}
{%- set sigma_since = secfeat.signals_evaluated_through() if is_incremental() else none -%}
with
{% if is_incremental() -%}
previous as (
    select * from {{ secfeat.previous_rows() }}
),

watermark as (
    select coalesce(max(_evaluated_through), cast('1900-01-01' as timestamp)) as evaluated_through
    from previous
),

-- the events a part of whose features was computed since: each part by its own column (zone maps find recent rows)
changed_events as (
    {%- for relation, computed_column in feature_parts %}
        select event_uid from {{ relation }}
        where {{ computed_column }} >= (select evaluated_through from watermark)
        {%- if not loop.last %}
            union
        {%- endif %}
    {%- endfor %}
),

{% endif -%}
hits as (
    {%- for detection_model in secfeat.detection_models() %}
        select {{ hit_columns | join(', ') }}
        from {{ ref(detection_model) }}
        where
            true
        {%- if is_incremental() and detection_model.startswith('det_sigma_') %}
                {%- if sigma_since is not none %}
                and _computed_at >= {{ sigma_since }}
                {%- endif %}
            {%- elif is_incremental() %}
                and event_uid in (select event_uid from changed_events)
            {%- endif %}
        {%- if replay %}
                and event_at >= cast('{{ replay.since }}' as timestamp)
                and event_at < cast('{{ replay.until }}' as timestamp)
            {%- endif %}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

current_signals as (
    select
        *,
        md5(detection || ':' || event_uid) as signal_id
    from hits
),

signal_history as (
    select
        current_signals.*,
        {%- if is_incremental() %}
            coalesce(previous.first_seen_at, {{ evaluating_now }}) as first_seen_at,
            coalesce(previous.first_seen_invocation_id, '{{ invocation_id }}') as first_seen_invocation_id,
            case
                when
                    previous.signal_id is null
                    or previous.withdrawn_at is not null
                    {%- for column in content_columns %}
                        or previous.{{ column }} is distinct from current_signals.{{ column }}
                    {%- endfor %}
                    then {{ evaluating_now }}
                else previous.last_changed_at
            end as last_changed_at,
        {%- else %}
            {{ evaluating_now }} as first_seen_at,
            '{{ invocation_id }}' as first_seen_invocation_id,
            {{ evaluating_now }} as last_changed_at,
        {%- endif %}
        cast(null as timestamp) as withdrawn_at,
        {{ evaluating_now }} as _evaluated_through
    from current_signals
    {%- if is_incremental() %}
        left join previous
            on current_signals.signal_id = previous.signal_id
    {%- endif %}
)

{%- if is_incremental() %}
    ,

    -- a live signal whose event was evaluated again and no longer hits: withdrawn, kept
    withdrawn_signals as (
        {%- set withdrawn_now = ['last_changed_at', 'withdrawn_at', '_evaluated_through'] %}
        select
            {%- for column in history_columns if column not in withdrawn_now %}
                previous.{{ column }},
            {%- endfor %}
            {{ evaluating_now }} as last_changed_at,
            {{ evaluating_now }} as withdrawn_at,
            {{ evaluating_now }} as _evaluated_through
        from previous
        where
            previous.withdrawn_at is null
            and previous.event_uid in (select event_uid from changed_events)
            and left(previous.detection, 6) != 'sigma_'
            and previous.signal_id not in (select signal_id from current_signals)
    )
{%- endif %}

select {{ history_columns | join(', ') }} from signal_history
{%- if is_incremental() %}
    union all
    select {{ history_columns | join(', ') }} from withdrawn_signals
    {%- if secfeat.rewrites_whole_table() %}
        union all
        -- the table is written whole: the rows this build did not evaluate, as they were
        select {{ history_columns | join(', ') }} from previous
        where
            signal_id not in (select signal_id from signal_history)
            and signal_id not in (select signal_id from withdrawn_signals)
    {%- endif %}
{%- endif %}
