{#-
    One row per raw line of every file landed for a source, with a pointer back
    to it: the file, the 1-based line number (a line is one record, so its
    record number is 1) and the file's ingest time (its modification time in
    the landing zone). A trailing newline does not make a
    line; blank lines inside a file do, so that nothing is silently skipped.

    A source with no files yet yields no rows instead of failing the build.
-#}
{% macro landing_lines(landing_folder) -%}
    {%- set source_relation = source('landing', landing_folder) -%}
    {%- set file_pattern = var('landing_dir') ~ '/' ~ landing_folder ~ '/*' -%}
    {%- if execute and not secfeat.landing_has_files(file_pattern) -%}
        select
            null::varchar as _source_file,
            null::bigint as _source_line,
            null::bigint as _source_record,
            null::timestamp as _ingested_at,
            null::varchar as raw_line
        where false
    {%- else -%}
        with landed_files as (
            select
                filename as source_file,
                last_modified as ingested_at,
                string_split(content, chr(10)) as raw_lines
            from {{ source_relation }}
        ),

        numbered_lines as (
            select
                source_file,
                ingested_at,
                unnest(raw_lines) as raw_line,
                unnest(range(1, len(raw_lines) + 1)) as line_number,
                len(raw_lines) as line_count
            from landed_files
        )

        select
            source_file as _source_file,
            line_number as _source_line,
            -- a line is one record
            1::bigint as _source_record,
            timezone('UTC', ingested_at) as _ingested_at,
            rtrim(raw_line, chr(13)) as raw_line
        from numbered_lines
        -- the empty string after a file's final newline is not a line
        where not (line_number = line_count and raw_line = '')
    {%- endif -%}
{%- endmacro %}
