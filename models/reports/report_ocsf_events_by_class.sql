{#- What the OCSF models hold: events per source, class and activity, by
    status, with the first and last event time. -#}
with events as (
    {{ secfeat.union_ocsf_classes(
        columns=['source_name', 'class_name', 'activity_name', 'status_id', 'event_at'],
    ) }}
),

final as (
    select
        source_name,
        class_name,
        activity_name,
        count(*) filter (where status_id = 1) as success_events,
        count(*) filter (where status_id = 2) as failure_events,
        count(*) filter (where status_id not in (1, 2)) as other_events,
        min(event_at) as first_event_at,
        max(event_at) as last_event_at
    from events
    group by source_name, class_name, activity_name
)

select * from final
