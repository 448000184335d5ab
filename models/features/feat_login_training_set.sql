{{ config(tags=['training']) }}
{#- Labelled rows for the risk model, each with every feature computed
    exactly as of its label time by rolling_window (nothing later can leak in).
    The model scores everything a user did (feat_activity_events), so it
    learns from everything: logons, privileged actions, process launches and
    API calls, each with its user's features and, at a logon, its source
    IP's (null at the other kinds, as where it scores). Bounded: it grows
    with the incidents, the analyst labels and a fixed share of the
    activity, not with every event.
      * incident labels: every activity inside an incident window of its user
        or its source IP (ml_incident_activity) is a positive; of the other
        activity, the negatives, each is kept when the hash of its label id
        falls under var training_negative_sample_rate (md5_number_lower of the
        label id below rate * 2^64: the same rows on every build, and an event
        keeps its fate as history grows);
      * analyst labels: every disposition of a past alert (seed
        analyst_dispositions), positive when judged a true positive.
    Training weighs each kept negative 1/rate (secfeat.ml.sample_weights).
    Built by `secfeat train` (tag training), never by the scheduled build. -#}
{%- set negative_sample_rate = var('training_negative_sample_rate') | float -%}
{%- if not (0 < negative_sample_rate <= 1) -%}
    {{ exceptions.raise_compiler_error(
        "var training_negative_sample_rate must be in (0, 1], got " ~ var('training_negative_sample_rate')
    ) }}
{%- endif %}
{%- set analyst_user_key = 'lower(user_key)' -%}
{%- set analyst_src_endpoint_ip = 'src_endpoint_ip' -%}
{%- if var('pseudonymize_identifiers') -%}
    {%- set analyst_user_key = secfeat.pseudonymize_identifier('user_key', 'user_name') -%}
    {%- set analyst_src_endpoint_ip = secfeat.pseudonymize_identifier('src_endpoint_ip', 'ip') -%}
{%- endif %}
with incident_activity as (
    select * from {{ ref('ml_incident_activity') }}
),

activity as (
    select
        event_uid,
        activity_kind,
        user_key,
        src_endpoint_ip,
        event_at,
        'event:' || activity_kind || ':' || event_uid as label_id
    from {{ ref('int_user_activity_events') }}
),

incident_labels as (
    select
        activity.label_id,
        'incident' as label_source,
        activity.event_uid,
        activity.activity_kind,
        activity.user_key,
        activity.src_endpoint_ip,
        activity.event_at as label_at,
        incident_activity.event_uid is not null as is_positive,
        incident_activity.incident_id,
        incident_activity.technique
    from activity
    left join incident_activity
        on
            activity.event_uid = incident_activity.event_uid
            and activity.activity_kind = incident_activity.activity_kind
    where
        incident_activity.event_uid is not null
        {% if negative_sample_rate < 1 -%}
            or md5_number_lower(activity.label_id)
            < {{ (negative_sample_rate * 18446744073709551616) | int }}
        {%- else -%}
            or true
        {%- endif %}
),

analyst_labels as (
    select
        'alert:' || alert_id as label_id,
        'analyst_disposition' as label_source,
        null::varchar as event_uid,
        null::varchar as activity_kind,
        -- the case tool names people and addresses in plain: keyed as the features key them
        {{ analyst_user_key }} as user_key,
        {{ analyst_src_endpoint_ip }} as src_endpoint_ip,
        alerted_at as label_at,
        disposition = 'true_positive' as is_positive,
        null::varchar as incident_id,
        null::varchar as technique
    from {{ ref('analyst_dispositions') }}
    {%- if secfeat.retention_cutoff() is not none %}
        -- past retention the events their features come from are gone
        where not {{ secfeat.is_past_retention('alerted_at') }}
    {%- endif %}
),

labels as (
    select * from incident_labels
    union all
    select * from analyst_labels
),

user_activity as (
    select * from {{ ref('int_user_activity_events') }}
),

logons_with_src_ip as (
    select * from user_activity
    where activity_kind = 'logon' and src_endpoint_ip is not null
),

label_users as (
    select
        label_id,
        user_key,
        label_at
    from labels
),

-- the source IP's features are computed at logons (and at an analyst's alert), as where the model scores
labels_with_src_ip as (
    select * from labels
    where src_endpoint_ip is not null and coalesce(activity_kind, 'logon') = 'logon'
),

label_user_src_ips as (
    select
        label_id,
        user_key,
        src_endpoint_ip,
        label_at
    from labels_with_src_ip
),

label_src_ips as (
    select
        label_id,
        src_endpoint_ip,
        label_at
    from labels_with_src_ip
),

user_features as (
    {{ secfeat.rolling_window(
        relation='user_activity', entity_key='user_key', time_column='event_at',
        features=secfeat.user_features(), probes='label_users', probe_time_column='label_at',
    ) }}
),

user_src_ip_features as (
    {{ secfeat.rolling_window(
        relation='logons_with_src_ip', entity_key=['user_key', 'src_endpoint_ip'], time_column='event_at',
        features=secfeat.user_src_ip_features(), probes='label_user_src_ips', probe_time_column='label_at',
    ) }}
),

src_ip_features as (
    {{ secfeat.rolling_window(
        relation='logons_with_src_ip', entity_key='src_endpoint_ip', time_column='event_at',
        features=secfeat.src_ip_features(), probes='label_src_ips', probe_time_column='label_at',
    ) }}
),

final as (
    select
        labels.*,
        {{ secfeat.authentication_event_feature_columns(user_country_alias=none) }}
    from labels
    inner join user_features
        on labels.label_id = user_features.label_id
    left join user_src_ip_features
        on labels.label_id = user_src_ip_features.label_id
    left join src_ip_features
        on labels.label_id = src_ip_features.label_id
)

select * from final
