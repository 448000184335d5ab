{#- Raw records that could not be trusted or mapped, with why and the raw
    text, from every source. Nothing is dropped silently: see landing_audit. -#}
with final as (
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
)

select * from final
