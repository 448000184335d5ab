{#-
    Every raw record accounted for, per landed file: raw records = staged +
    duplicate + quarantined + ignored, one row per (file, shape, outcome,
    reason): the shape a record was shipped in (NXLog, Winlogbeat...), null
    for a record of no shape its source reads.
    A raw record is a line, or one element of a JSON batch (a CloudTrail
    Records array, an Okta API page); a file without text (binary, empty, a
    damaged archive) is one. `event_count` counts the OCSF events staged from
    them: sshd's "message repeated N times" is one line, N events.
    A file in a folder of no known source (or at the landing root) is one
    ignored record of its folder, reason unknown_source (the simulator's
    incidents.csv and manifest at the root: simulation_ground_truth).
-#}
with raw_records as (
    {{ secfeat.union_ocsf_staging(
        columns=[
            'source_name', '_source_file', '_source_line', '_source_record', '_source_shape',
            '_quarantine_reason', '_ignored_reason', 'event_uid', 'class_uid',
        ],
    ) }}
),

staged_events as (
    {{ secfeat.union_ocsf_classes(
        columns=['event_uid', 'class_uid', '_source_file', '_source_line', '_source_record'],
    ) }}
),

outcomes as (
    select
        raw_records.source_name,
        raw_records._source_file,
        raw_records._source_line,
        raw_records._source_record,
        raw_records._source_shape,
        staged_events.event_uid as staged_event_uid,
        case
            when raw_records._quarantine_reason is not null then 'quarantined'
            when raw_records._ignored_reason is not null then 'ignored'
            when staged_events.event_uid is not null then 'staged'
            else 'duplicate'
        end as outcome,
        coalesce(raw_records._quarantine_reason, raw_records._ignored_reason) as reason
    from raw_records
    left join staged_events
        on
            raw_records.event_uid = staged_events.event_uid
            and raw_records.class_uid = staged_events.class_uid
            and raw_records._source_file = staged_events._source_file
            and raw_records._source_line = staged_events._source_line
            and raw_records._source_record = staged_events._source_record
),

-- one outcome per raw record (a record may hold several events): staged when
-- any of its events was kept, else quarantined, ignored, duplicate in that order
per_record as (
    select
        source_name,
        _source_file,
        _source_line,
        _source_record,
        _source_shape,
        case
            when count(staged_event_uid) > 0 then 'staged'
            when bool_or(outcome = 'quarantined') then 'quarantined'
            when bool_or(outcome = 'ignored') then 'ignored'
            else 'duplicate'
        end as outcome,
        case
            when count(staged_event_uid) > 0 then null
            when bool_or(outcome = 'quarantined') then min(reason) filter (where outcome = 'quarantined')
            else min(reason) filter (where outcome = 'ignored')
        end as reason,
        count(staged_event_uid) as event_count
    from outcomes
    group by all
),

unknown_source_files as (
    select
        coalesce(nullif(landing_folder, ''), '(landing root)') as source_name,
        source_file,
        null::varchar as source_shape,
        'ignored' as outcome,
        case
            -- what `secfeat simulate` writes beside the logs: read by stg_simulation__incidents
            when landing_folder = '' and regexp_matches(source_file, '(^|/)(incidents\.csv|_simulation\.json)$')
                then 'simulation_ground_truth'
            else 'unknown_source'
        end as reason,
        1::bigint as record_count,
        0::hugeint as event_count
    from {{ ref('landing_lines') }}
    -- a file's first row stands for it (line 1, or 0 for a file without text)
    where line_number <= 1 and landing_folder not in (
        {%- for source_name in secfeat.ocsf_contract().sources %}
            '{{ source_name }}'{% if not loop.last %},{% endif %}
        {%- endfor %}
    )
),

final as (
    select
        source_name,
        _source_file as source_file,
        _source_shape as source_shape,
        outcome,
        reason,
        count(*) as record_count,
        sum(event_count) as event_count
    from per_record
    group by all
    union all
    select * from unknown_source_files
)

select * from final
