{#-
    One row per JSON record of every file landed for a source, however the
    shipper framed them: one object per line (NDJSON), a whole file holding
    one pretty-printed object, or batches: a top-level array, or an object
    whose `batch_keys` member is an array (by default Records and records, as
    CloudTrail's S3 delivery and Azure Event Hubs write; a source passes its
    own, e.g. Google's API pages hold `items`). Each row points back to its
    file, line (1 for a whole-file document) and record (its 1-based place in
    the batch, else 1).

    Framing problems are decided here, once for every JSON source:
    _record_quarantine_reason is invalid_utf8 (a line that is not UTF-8),
    malformed_json (a line that is not JSON; `raw_line` keeps its text),
    not_a_json_object, or the file's own reason for a file without text (one
    row, line and record 0); _record_ignored_reason is blank_line,
    empty_batch or empty_file. `record` is then null. Blank lines are kept, so
    every line can be accounted for.

    `text_lines`: for a source whose files mix JSON with text lines (sshd:
    syslog lines and journalctl's JSON). A line that is no JSON object or
    array is then a text record (`record` null, no framing verdict) instead
    of malformed_json, and a pretty-printed object may also be one of several
    in a file, from a `{` line to the next `}` line (journalctl -o
    json-pretty writes them one after another); a file is read as one
    document only when its first line opens one.
-#}
{% macro landing_json_records(landing_folder, batch_keys=['Records', 'records'], text_lines=false) -%}
    with landed as (
        {{ secfeat.landed_lines(landing_folder) }}
    ),

    -- a file of several lines whose first line is not JSON by itself may be
    -- one pretty-printed document: only those are put back together
    whole_documents as (
        select
            source_file,
            any_value(source_file_version) as source_file_version,
            any_value(ingested_at) as ingested_at,
            any_value(loaded_at) as loaded_at,
            string_agg(line, chr(10) order by line_number) as document
        from landed
        where source_file in (
            select source_file
            from landed
            where line_number = 1 and line_count > 1 and not is_invalid_utf8 and not json_valid(line)
            {%- if text_lines %}
                -- not a whole log file of text lines put together
                and regexp_matches(line, '^\s*[\[{]')
            {%- endif %}
        )
        group by source_file
        having bool_and(not is_invalid_utf8) and json_valid(document) and trim(document) != ''
    ),
    {%- if text_lines %}

    -- each line's latest `{` line and the `}` line before it: a line is in an
    -- object from a `{` line to the next `}` line
    brace_lines as (
        select
            source_file,
            source_file_version,
            ingested_at,
            loaded_at,
            line_number,
            line,
            is_invalid_utf8,
            rtrim(line, chr(13) || chr(9) || ' ') = '}' as closes_object,
            max(case when rtrim(line, chr(13) || chr(9) || ' ') = '{' then line_number end) over (
                partition by source_file order by line_number rows between unbounded preceding and current row
            ) as object_first_line,
            max(case when rtrim(line, chr(13) || chr(9) || ' ') = '}' then line_number end) over (
                partition by source_file order by line_number rows between unbounded preceding and 1 preceding
            ) as previous_object_last_line
        from landed
        where line_number > 0 and source_file not in (select source_file from whole_documents)
    ),

    object_lines as (
        select *
        from brace_lines
        where object_first_line > coalesce(previous_object_last_line, 0)
    ),

    pretty_objects as (
        select *
        from (
            select
                source_file,
                object_first_line,
                any_value(source_file_version) as source_file_version,
                any_value(ingested_at) as ingested_at,
                any_value(loaded_at) as loaded_at,
                string_agg(line, chr(10) order by line_number) as document,
                bool_or(closes_object) and bool_and(not is_invalid_utf8) as is_closed_text
            from object_lines
            group by source_file, object_first_line
        ) as candidates
        where is_closed_text and json_valid(document) and json_type(document) = 'OBJECT'
    ),
    {%- endif %}

    units as (
        select
            source_file,
            source_file_version,
            ingested_at,
            loaded_at,
            1::bigint as line_number,
            document as unit_text,
            false as is_invalid_utf8
        from whole_documents
        union all
        select
            source_file,
            source_file_version,
            ingested_at,
            loaded_at,
            line_number,
            rtrim(line, chr(13)) as unit_text,
            is_invalid_utf8
        from landed
        where line_number > 0 and source_file not in (select source_file from whole_documents)
        {%- if text_lines %}
            and not exists (
                select 1
                from object_lines
                inner join pretty_objects using (source_file, object_first_line)
                where object_lines.source_file = landed.source_file and object_lines.line_number = landed.line_number
            )
        union all
        select
            source_file,
            source_file_version,
            ingested_at,
            loaded_at,
            object_first_line as line_number,
            document as unit_text,
            false as is_invalid_utf8
        from pretty_objects
        {%- endif %}
    ),

    parsed_units as (
        select
            *,
            case
                when not is_invalid_utf8 and trim(unit_text) != '' and json_valid(unit_text)
                    {%- if text_lines %}
                    -- a text line that happens to be a JSON number or string stays text
                    and regexp_matches(unit_text, '^\s*[\[{]')
                    {%- endif %}
                    then unit_text::json
            end as unit_json
        from units
    ),

    batched_units as (
        select
            *,
            case
                when json_type(unit_json) = 'ARRAY' then json_extract(unit_json, '$[*]')
                {%- for key in batch_keys %}
                    when json_type(unit_json, '$.{{ key }}') = 'ARRAY' then json_extract(unit_json, '$.{{ key }}[*]')
                {%- endfor %}
            end as batch
        from parsed_units
    ),

    records as (
        select
            source_file,
            source_file_version,
            line_number,
            ingested_at,
            loaded_at,
            unit_text,
            is_invalid_utf8,
            batch,
            coalesce(len(batch) = 0, false) as is_empty_batch,
            unnest(
                case when batch is null then [unit_json] when len(batch) = 0 then [null::json] else batch end
            ) as record,
            unnest(case when len(batch) > 0 then range(1, len(batch) + 1) else [1] end) as record_number
        from batched_units
    )

    select
        source_file as _source_file,
        source_file_version as _source_file_version,
        line_number as _source_line,
        record_number as _source_record,
        ingested_at as _ingested_at,
        loaded_at as _loaded_at,
        case when batch is null then unit_text else record::varchar end as raw_line,
        case when json_type(record) = 'OBJECT' then record end as record,
        case
            when is_invalid_utf8 then 'invalid_utf8'
            when is_empty_batch then null
            {%- if not text_lines %}
            when record is null and trim(unit_text) != '' then 'malformed_json'
            {%- endif %}
            when record is not null and json_type(record) != 'OBJECT' then 'not_a_json_object'
        end as _record_quarantine_reason,
        case
            when is_invalid_utf8 then null
            when is_empty_batch then 'empty_batch'
            when record is null and trim(unit_text) = '' then 'blank_line'
        end as _record_ignored_reason
    from records
    union all
    select
        source_file as _source_file,
        source_file_version as _source_file_version,
        0::bigint as _source_line,
        0::bigint as _source_record,
        ingested_at as _ingested_at,
        loaded_at as _loaded_at,
        null::varchar as raw_line,
        null::json as record,
        file_quarantine_reason as _record_quarantine_reason,
        file_ignored_reason as _record_ignored_reason
    from landed
    where line_number = 0
{%- endmacro %}
