{#- The texts of the files landed for one source (a folder under landing_dir),
    from landing_files: in an incremental staging model only the file versions
    it has not staged yet. -#}
{% macro landed_file_texts(landing_folder) -%}
    select
        source_file,
        source_file_version,
        modified_at as ingested_at,
        content,
        invalid_utf8_lines,
        file_quarantine_reason,
        file_ignored_reason
    from {{ ref('landing_files') }}
    where
        landing_folder = '{{ landing_folder }}'
        {%- if is_incremental() %}
        and source_file_version not in (select distinct _source_file_version from {{ this }})
        {%- endif %}
{%- endmacro %}
