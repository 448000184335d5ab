{#- Why raw records were set aside: quarantined and ignored records per
    source and reason, from landing_audit. -#}
with landing_audit as (
    select * from {{ ref('landing_audit') }}
),

final as (
    select
        outcome,
        source_name,
        reason,
        sum(record_count) as raw_records
    from landing_audit
    where outcome in ('quarantined', 'ignored')
    group by outcome, source_name, reason
)

select * from final
