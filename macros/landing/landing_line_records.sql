{#-
    One row per raw line of every file landed for a source, with a pointer back
    to it: the file and its version, the 1-based line number (a line is one
    record, so its record number is 1) and the file's ingest time (its
    modification time in the landing zone). Blank lines are rows too, so that
    nothing is silently skipped.

    _record_quarantine_reason is invalid_utf8 for a line that is not UTF-8,
    or the file's own reason (binary_file, ...) for a file without text, which
    is then one row with line and record 0; _record_ignored_reason is
    empty_file for a file that holds nothing.
-#}
{% macro landing_line_records(landing_folder) -%}
    select
        source_file as _source_file,
        source_file_version as _source_file_version,
        line_number as _source_line,
        -- a line is one record; a file without text is record 0 of line 0
        least(line_number, 1) as _source_record,
        ingested_at as _ingested_at,
        loaded_at as _loaded_at,
        rtrim(line, chr(13)) as raw_line,
        case when is_invalid_utf8 then 'invalid_utf8' else file_quarantine_reason end as _record_quarantine_reason,
        file_ignored_reason as _record_ignored_reason
    from ({{ secfeat.landed_lines(landing_folder) }}) as landed
{%- endmacro %}
