{#-
    Every raw line accounted for, per landed file: raw lines = staged events +
    duplicates + quarantined + ignored. One row per (file, outcome, reason).
-#}
with raw_rows as (
    {{ secfeat.union_authentication_staging(
        columns=['source_name', '_source_file', '_source_line', '_quarantine_reason', '_ignored_reason'],
    ) }}
),

staged as (
    select
        _source_file,
        _source_line
    from {{ ref('ocsf_authentication') }}
),

outcomes as (
    select
        raw_rows.source_name,
        raw_rows._source_file as source_file,
        case
            when raw_rows._quarantine_reason is not null then 'quarantined'
            when raw_rows._ignored_reason is not null then 'ignored'
            when staged._source_line is not null then 'staged'
            else 'duplicate'
        end as outcome,
        coalesce(raw_rows._quarantine_reason, raw_rows._ignored_reason) as reason
    from raw_rows
    left join staged
        on
            raw_rows._source_file = staged._source_file
            and raw_rows._source_line = staged._source_line
),

final as (
    select
        source_name,
        source_file,
        outcome,
        reason,
        count(*) as row_count
    from outcomes
    group by all
)

select * from final
