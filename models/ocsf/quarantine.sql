{#- Raw rows that could not be trusted, with why and the raw text, for every
    source. Nothing is dropped silently: see landing_audit for the counts. -#}
with
{% for staging_model in secfeat.ocsf_authentication_sources() %}
    {{ staging_model }} as (
        select
            source_name,
            _source_file as source_file,
            _source_line as source_line,
            _quarantine_reason as reason,
            raw_line,
            _ingested_at as ingested_at
        from {{ ref(staging_model) }}
        where _quarantine_reason is not null
    ),
{% endfor %}

final as (
    {% for staging_model in secfeat.ocsf_authentication_sources() %}
        select * from {{ staging_model }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select * from final
