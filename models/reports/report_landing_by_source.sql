{#- Every raw record of the landing zone accounted for, per source: the
    outcomes landing_audit records per file, summed. -#}
with landing_audit as (
    select * from {{ ref('landing_audit') }}
),

final as (
    select
        source_name,
        sum(record_count) as raw_records,
        coalesce(sum(record_count) filter (where outcome = 'staged'), 0) as staged_records,
        coalesce(sum(event_count), 0) as staged_events,
        coalesce(sum(record_count) filter (where outcome = 'duplicate'), 0) as duplicate_records,
        coalesce(sum(record_count) filter (where outcome = 'quarantined'), 0) as quarantined_records,
        coalesce(sum(record_count) filter (where outcome = 'ignored'), 0) as ignored_records
    from landing_audit
    group by source_name
)

select * from final
