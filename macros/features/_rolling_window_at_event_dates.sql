{#- Event grain, incremental by whole event-date partitions: for tables that
    can only replace partitions (insert_overwrite on plain Parquet).

    An arrival at e changes its entity's rows at e <= t < e + longest window,
    so the partitions (UTC dates) from e's to that of e + longest window; every
    row of those partitions is written, recomputed from the rows one longest
    window back from each. Same values as _rolling_window_at_events; a run
    costs the arrivals' days plus one longest window of every entity's
    history before them. -#}
{% macro _rolling_window_at_event_dates(relation, entity_columns, time_column, features, loaded_at_column, longest_window_us) -%}
    {%- set day_us = 86400000000 -%}
    {%- set window_days = ((longest_window_us + day_us - 1) // day_us) | int -%}
    {%- set helper_columns = ['_rw_at_us', '_rw_day'] -%}
    {%- for feature in features -%}
        {%- do helper_columns.append('_rw_input_' ~ loop.index) -%}
    {%- endfor -%}
    {%- set latest_load = run_query(
        "select cast(max(" ~ loaded_at_column ~ ") as " ~ dbt.type_string() ~ ") from " ~ this
    ).columns[0].values()[0] if execute else none -%}
    {%- set event_day = 'floor(' ~ secfeat.epoch_microseconds('_rw_events.' ~ time_column) ~ ' / ' ~ day_us ~ ')' -%}
    with _rw_changed_days as (
        -- the UTC days (days since the epoch) each arrival's rows of change lie on
        select distinct
            floor({{ secfeat.epoch_microseconds(time_column) }} / {{ day_us }}) as _rw_from_day,
            floor(({{ secfeat.epoch_microseconds(time_column) }} + {{ longest_window_us - 1 }}) / {{ day_us }})
                as _rw_to_day
        from {{ relation }}
        {%- if latest_load is not none %}
            where {{ loaded_at_column }} > cast('{{ latest_load }}' as timestamp)
        {%- endif %}
    ),

    -- the rows of those days, and of the days their windows reach back to
    _rw_history as (
        select _rw_events.*
        from {{ relation }} as _rw_events
        where exists (
            select 1
            from _rw_changed_days
            where
                {{ event_day }} >= _rw_changed_days._rw_from_day - {{ window_days }}
                and {{ event_day }} <= _rw_changed_days._rw_to_day
        )
    ),

    _rw_ordered as (
        select
            *,
            {{ secfeat.epoch_microseconds(time_column) }} as _rw_at_us,
            floor({{ secfeat.epoch_microseconds(time_column) }} / {{ day_us }}) as _rw_day,
            {{ secfeat._rolling_window_input_columns(features) }}
        from _rw_history
    ),

    _rw_windowed as (
        select
            *,
            {{ secfeat._rolling_window_value_columns(features, entity_columns) }}
        from _rw_ordered
    ),

    _rw_recomputed as (
        select {{ secfeat.star_except(helper_columns) }}
        from _rw_windowed
        where exists (
            select 1
            from _rw_changed_days
            where
                _rw_windowed._rw_day >= _rw_changed_days._rw_from_day
                and _rw_windowed._rw_day <= _rw_changed_days._rw_to_day
        )
    )

    select
        *,
        cast({{ time_column }} as date) as event_date,
        {{ secfeat.build_started_at() }} as _computed_at
    from _rw_recomputed
{%- endmacro %}
