{#- Which shapes each source's records arrive in (NXLog or Winlogbeat,
    syslog or journald, EventBridge envelopes...), and what became of them:
    landing_audit summed per source and shape. A null shape is a record of no
    shape its source reads, or a file without text. -#}
with landing_audit as (
    select * from {{ ref('landing_audit') }}
),

final as (
    select
        source_name,
        source_shape,
        sum(record_count) as raw_records,
        coalesce(sum(event_count), 0) as staged_events,
        coalesce(sum(record_count) filter (where outcome = 'quarantined'), 0) as quarantined_records,
        coalesce(sum(record_count) filter (where outcome = 'ignored'), 0) as ignored_records
    from landing_audit
    group by source_name, source_shape
)

select * from final
