{#- What the OCSF models hold: events per source, class and activity, by
    status, with the first and last event time. -#}
with events as (
    {%- for ocsf_class in secfeat.ocsf_contract().classes %}
        select
            source_name,
            class_name,
            activity_name,
            status_id,
            event_at
        from {{ ref('ocsf_' ~ ocsf_class) }}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
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
