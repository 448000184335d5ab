{#- The lines of the files landed for one source (a folder under landing_dir),
    from landing_lines: in an incremental staging model only those of file
    versions it has not staged, loaded no earlier than the latest it has (a
    full refresh of landing_lines alone loads them all at once), found by a literal load
    time so that DuckDB skips the old files' rows without reading them. -#}
{% macro landed_lines(landing_folder) -%}
    {%- set staged_up_to = none -%}
    {%- if execute and is_incremental() -%}
        {%- set staged_up_to = run_query(
            "select max(loaded_at)::varchar from " ~ ref('landing_lines')
            ~ " where landing_folder = '" ~ landing_folder ~ "' and line_number <= 1"
            ~ " and source_file_version in (select distinct _source_file_version from " ~ this ~ ")"
        ).columns[0].values()[0] -%}
    {%- endif -%}
    select
        source_file,
        source_file_version,
        modified_at as ingested_at,
        loaded_at,
        line_count,
        line_number,
        line,
        is_invalid_utf8,
        file_quarantine_reason,
        file_ignored_reason
    from {{ ref('landing_lines') }}
    where
        landing_folder = '{{ landing_folder }}'
        {%- if staged_up_to is not none %}
        -- not after: a full refresh of landing_lines alone reloads the old files
        -- and the new at one time (the version filter below skips the staged)
        and loaded_at >= timestamp '{{ staged_up_to }}'
        {%- endif %}
        {%- if is_incremental() %}
        and source_file_version not in (select distinct _source_file_version from {{ this }})
        {%- endif %}
{%- endmacro %}
