{#- Labelled rows for the login models, each with every feature computed
    exactly as of its label time by rolling_window (nothing later can leak in):
      * incident labels: every logon; positive when it falls inside an incident
        window of its user or its source IP (the incidents file);
      * analyst labels: dispositions of past alerts (seed analyst_dispositions),
        positive when the analyst judged the alert a true positive. -#}
with incidents as (
    select * from {{ ref('stg_simulation__incidents') }}
),

logons as (
    select
        event_uid,
        user_key,
        src_endpoint_ip,
        event_at
    from {{ ref('int_user_activity_events') }}
    where activity_kind = 'logon'
),

logons_in_incidents as (
    select
        logons.event_uid,
        min(incidents.incident_id) as incident_id,
        min(incidents.technique) as technique
    from logons
    inner join incidents
        on
            logons.event_at between incidents.started_at and incidents.ended_at
            and (
                (incidents.entity_type = 'user' and logons.user_key = incidents.entity_key)
                or (incidents.entity_type = 'src_ip' and logons.src_endpoint_ip = incidents.entity_key)
            )
    group by 1
),

incident_labels as (
    select
        'event:' || logons.event_uid as label_id,
        'incident' as label_source,
        logons.event_uid,
        logons.user_key,
        logons.src_endpoint_ip,
        logons.event_at as label_at,
        logons_in_incidents.event_uid is not null as is_positive,
        logons_in_incidents.incident_id,
        logons_in_incidents.technique
    from logons
    left join logons_in_incidents
        on logons.event_uid = logons_in_incidents.event_uid
),

analyst_labels as (
    select
        'alert:' || alert_id as label_id,
        'analyst_disposition' as label_source,
        null::varchar as event_uid,
        lower(user_key) as user_key,
        src_endpoint_ip,
        alerted_at as label_at,
        disposition = 'true_positive' as is_positive,
        null::varchar as incident_id,
        null::varchar as technique
    from {{ ref('analyst_dispositions') }}
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

label_user_src_ips as (
    select
        label_id,
        user_key,
        src_endpoint_ip,
        label_at
    from labels
    where src_endpoint_ip is not null
),

label_src_ips as (
    select
        label_id,
        src_endpoint_ip,
        label_at
    from labels
    where src_endpoint_ip is not null
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
        {{ secfeat.authentication_event_feature_columns() }}
    from labels
    inner join user_features
        on labels.label_id = user_features.label_id
    left join user_src_ip_features
        on labels.label_id = user_src_ip_features.label_id
    left join src_ip_features
        on labels.label_id = src_ip_features.label_id
)

select * from final
