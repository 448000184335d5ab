{#- A post-hook of a staging model, after delete_past_retention: one row
    (line and record 0, ignored as past_retention) for each file version of
    its landing folder that has no row left, so that the model keeps knowing
    the version and never parses its lines again (landed_lines reads the
    versions a model holds no row of). Every record of every version read
    leaves a row, so a version without one lost them all to retention. -#}
{% macro mark_files_past_retention(source_name) -%}
    {%- if secfeat.retention_cutoff() is not none -%}
        insert into {{ this }} (
            source_name, _source_file, _source_file_version, _source_line, _source_record, _ingested_at,
            _loaded_at, _ignored_reason
        )
        select
            '{{ source_name }}',
            source_file,
            source_file_version,
            0,
            0,
            modified_at,
            loaded_at,
            'past_retention'
        from {{ ref('landing_lines') }}
        where
            landing_folder = '{{ source_name }}'
            and line_number <= 1
            and source_file_version not in (select distinct _source_file_version from {{ this }})
    {%- endif -%}
{%- endmacro %}
