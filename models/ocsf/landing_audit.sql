{#-
    Every raw line accounted for, per landed file: raw lines = staged events +
    duplicates + quarantined + ignored. One row per (file, outcome, reason).
-#}
with
{% for staging_model in secfeat.ocsf_authentication_sources() %}
    {{ staging_model }} as (
        select
            source_name,
            _source_file,
            _source_line,
            event_uid,
            _quarantine_reason,
            _ignored_reason
        from {{ ref(staging_model) }}
    ),
{% endfor %}

raw_rows as (
    {% for staging_model in secfeat.ocsf_authentication_sources() %}
        select * from {{ staging_model }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
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
