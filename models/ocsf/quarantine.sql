{#- Raw rows that could not be trusted, with why and the raw text, for every
    source. Nothing is dropped silently: see landing_audit for the counts. -#}
with final as (
    {{ secfeat.union_authentication_staging(
        columns=[
            'source_name',
            '_source_file as source_file',
            '_source_line as source_line',
            '_quarantine_reason as reason',
            'raw_line',
            '_ingested_at as ingested_at',
        ],
        where='_quarantine_reason is not null',
    ) }}
)

select * from final
