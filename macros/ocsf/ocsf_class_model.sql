{#-
    The body of an OCSF class model: the staged rows of every source mapped to
    the class, one per event (an event landed twice keeps its first landing),
    with the captions of its ids and the warehouse's entity key, in the order
    of ocsf_class_model_columns.

    Incremental by event: a build recomputes only the events a new file version
    (one it holds no rows of, loaded no earlier than the last one it took from
    its folder) holds, and those whose row came from a file version that is
    gone (a rewritten file), choosing each one's first landing again among all
    staged rows; an event left with no staged row at all is deleted after the
    insert. With var retention_days set, events past retention are not
    selected, and a post-hook deletes those that aged past it since.
-#}
{% macro ocsf_class_model(ocsf_class) -%}
    {{ return(adapter.dispatch('ocsf_class_model', 'secfeat')(ocsf_class)) }}
{%- endmacro %}

{#- Where the feature layer runs on Spark, staging does not: the class is the
    Parquet that `secfeat export-ocsf` wrote from the DuckDB build (partitioned
    by event_date), read in place by a view. Its contract (DuckDB's types)
    was enforced where the Parquet was written. -#}
{% macro spark__ocsf_class_model(ocsf_class) -%}
    {{ config(materialized='view', contract={'enforced': false}) }}
    select * from parquet.`{{ var('ocsf_parquet_dir') }}/ocsf_{{ ocsf_class }}`
{%- endmacro %}

{% macro default__ocsf_class_model(ocsf_class) -%}
    {{ config(post_hook=[
        "delete from {{ this }} where _source_file_version not in "
        ~ "(select distinct source_file_version from {{ ref('landing_lines') }})",
        "{{ secfeat.delete_past_retention('event_at') }}",
    ]) }}
    {%- set contract = secfeat.ocsf_contract() -%}
    {%- set class = contract.classes[ocsf_class] -%}
    {%- set lineage = ['_source_file', '_source_file_version', '_source_line', '_source_record', '_ingested_at', '_loaded_at'] -%}
    {%- set class_captions = {class.class_uid: class.class_name} -%}
    {%- set category_captions = {class.category.uid: class.category.name} -%}
    {%- set caption_columns = secfeat.ocsf_caption_columns() -%}
    {%- set is_staged_event = '_quarantine_reason is null and _ignored_reason is null and class_uid = '
        ~ class.class_uid -%}
    {%- if secfeat.retention_cutoff() is not none -%}
        {#- staging drops them too, but a build may refresh this model and not staging -#}
        {%- set is_staged_event = is_staged_event ~ ' and not ' ~ secfeat.is_past_retention('event_at') -%}
    {%- endif -%}
    with
    {%- if is_incremental() %}
    -- per landing folder, the latest load this model has taken rows from
    taken_loads as (
        select
            landing_folder,
            max(loaded_at) as loaded_at
        from {{ ref('landing_lines') }}
        -- a file's first row stands for it (line 1, or 0 for a file without text)
        where line_number <= 1 and source_file_version in (select distinct _source_file_version from {{ this }})
        group by landing_folder
    ),

    -- loaded at or after that load and not taken: a load time is not unique to
    -- a build (a full refresh of landing_lines alone reloads every file at once,
    -- the old with the new), and a version this model holds rows of was taken
    new_file_versions as (
        select landed.source_file_version
        from {{ ref('landing_lines') }} as landed
        left join taken_loads on landed.landing_folder = taken_loads.landing_folder
        where
            landed.line_number <= 1
            and (taken_loads.loaded_at is null or landed.loaded_at >= taken_loads.loaded_at)
            and landed.source_file_version not in (select distinct _source_file_version from {{ this }})
    ),

    changed_events as (
        {{ secfeat.union_ocsf_staging(
            columns=['event_uid'],
            where=is_staged_event ~ ' and _source_file_version in (select source_file_version from new_file_versions)',
            ocsf_class=ocsf_class,
        ) }}
        union
        select event_uid
        from {{ this }}
        where _source_file_version not in (select distinct source_file_version from {{ ref('landing_lines') }})
    ),
    {%- endif %}

    staged as (
        {{ secfeat.union_ocsf_staging(
            columns=contract.base_columns + class.columns + ['source_name'] + lineage,
            where=is_staged_event ~ (' and event_uid in (select event_uid from changed_events)' if is_incremental() else ''),
            ocsf_class=ocsf_class,
        ) }}
    ),

    first_landing as (
        select *
        from staged
        qualify row_number() over (
            partition by event_uid order by _ingested_at, _source_file, _source_line, _source_record
        ) = 1
    ),

    final as (
        select
            {%- for model_column in secfeat.ocsf_class_model_columns(ocsf_class) %}
            {%- set column = model_column.name %}
            {%- set spec = contract.columns.get(column, {}) %}
            {%- if column == 'user_key' %}
            -- the key features are computed per; identities differ in case across vendors
            lower({{ class.user_key_from }}) as user_key,
            {%- elif column == 'class_name' %}
            {{ secfeat.ocsf_caption('class_uid', class_captions, with_unknown_and_other=false) }} as class_name,
            {%- elif column == 'category_name' %}
            {{ secfeat.ocsf_caption('category_uid', category_captions, with_unknown_and_other=false) }}
                as category_name,
            {%- elif column == 'activity_name' %}
            {{ secfeat.ocsf_caption('activity_id', class.activities) }} as activity_name,
            {%- elif column == 'type_name' %}
            {{ secfeat.ocsf_caption('class_uid', class_captions, with_unknown_and_other=false) }} || ': '
            || {{ secfeat.ocsf_caption('activity_id', class.activities) }} as type_name,
            {%- elif column == 'time' %}
            {{ secfeat.epoch_milliseconds('event_at') }} as time,
            {%- elif column in caption_columns %}
            {%- set id_column = caption_columns[column] %}
            {{ secfeat.ocsf_caption(id_column, contract.columns[id_column].captions) }} as {{ column }},
            {%- elif spec.get('caption_of') %}
            {%- set id_column = spec.caption_of %}
            -- OCSF: the caption of {{ id_column }}, the vendor's name only for Unknown and Other
            case
                when {{ id_column }} in (0, 99)
                    then coalesce({{ column }}, {{ secfeat.ocsf_caption(id_column, contract.columns[id_column].captions) }})
                else {{ secfeat.ocsf_caption(id_column, contract.columns[id_column].captions) }}
            end as {{ column }},
            {%- else %}
            {{ column }},
            {%- endif %}
            {%- endfor %}
        from first_landing
    )

    select * from final
{%- endmacro %}
