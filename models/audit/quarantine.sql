{#- Raw records that could not be trusted or mapped, with why and the raw
    text, from every source: one row per record and reason (a record holding
    several events, as a Google Workspace activity may, is listed once per
    reason). Nothing is dropped silently: see landing_audit. -#}
with quarantined as (
    {{ secfeat.union_ocsf_staging(
        columns=[
            'source_name',
            '_source_file as source_file',
            '_source_line as source_line',
            '_source_record as source_record',
            '_quarantine_reason as reason',
            'raw_line as raw_text',
            '_ingested_at as ingested_at',
        ],
        where='_quarantine_reason is not null',
    ) }}
),

final as (
    select distinct * from quarantined
)

select * from final
