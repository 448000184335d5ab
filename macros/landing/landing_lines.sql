{#-
    One row per raw line of every file landed for a source, with a pointer back
    to it: the file and its version, the 1-based line number (a line is one
    record, so its record number is 1) and the file's ingest time (its
    modification time in the landing zone). A trailing newline does not make
    a line; blank lines inside a file do, so that nothing is silently skipped.

    _record_quarantine_reason is invalid_utf8 for a line that is not UTF-8,
    or the file's own reason (binary_file, ...) for a file without text, which
    is then one row with line and record 0; _record_ignored_reason is
    empty_file for a file that holds nothing.
-#}
{% macro landing_lines(landing_folder) -%}
    with landed_files as (
        {{ secfeat.landed_file_texts(landing_folder) }}
    ),

    numbered_lines as (
        select
            source_file,
            source_file_version,
            ingested_at,
            invalid_utf8_lines,
            unnest(raw_lines) as raw_line,
            unnest(range(1, len(raw_lines) + 1)) as line_number,
            len(raw_lines) as line_count
        from (
            select
                *,
                string_split(content, chr(10)) as raw_lines
            from landed_files
            where content is not null
        )
    )

    select
        source_file as _source_file,
        source_file_version as _source_file_version,
        line_number as _source_line,
        -- a line is one record
        1::bigint as _source_record,
        ingested_at as _ingested_at,
        rtrim(raw_line, chr(13)) as raw_line,
        case when list_contains(invalid_utf8_lines, line_number) then 'invalid_utf8' end
            as _record_quarantine_reason,
        null::varchar as _record_ignored_reason
    from numbered_lines
    -- the empty string after a file's final newline is not a line
    where not (line_number = line_count and raw_line = '')
    union all
    select
        source_file as _source_file,
        source_file_version as _source_file_version,
        0::bigint as _source_line,
        0::bigint as _source_record,
        ingested_at as _ingested_at,
        null::varchar as raw_line,
        file_quarantine_reason as _record_quarantine_reason,
        file_ignored_reason as _record_ignored_reason
    from landed_files
    where content is null
{%- endmacro %}
