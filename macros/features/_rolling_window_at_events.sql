{#- Event grain: the features at every row of `relation`, as of its own time.

    Full build: window functions over every row.

    Incremental build: only the rows an arrival can change are recomputed.
    Arrivals are the rows loaded after the latest load this model holds
    (new events, late ones, and rows whose inputs an upstream model
    recomputed). An arrival at e changes the rows of its entity at
    e <= t < e + longest window: those are the probes, and they are the only
    rows written. Their values come from the same window functions, run over
    their entities' rows from one longest window before the earliest arrival
    to one longest window after the latest, which holds every event their
    windows can reach. So the cost grows with the arrivals and the history
    one window around them, never with an entity's whole history. -#}
{% macro _rolling_window_at_events(relation, entity_columns, time_column, features, loaded_at_column, longest_window_us) -%}
    {%- set incremental = loaded_at_column is not none and is_incremental() -%}
    {%- set helper_columns = ['_rw_at_us'] + (['_rw_is_probe', '_rw_probe_count'] if incremental else []) -%}
    {#- beyond this many probes, one pass of window functions over the entity beats a join per probe -#}
    {%- set joined_probes_per_entity = var('incremental_joined_probes_max') | int -%}
    {%- for feature in features -%}
        {%- do helper_columns.append('_rw_input_' ~ loop.index) -%}
    {%- endfor -%}
    {#- a literal, so the scans of the OCSF tables skip the rows loaded before it
        (zone maps); a dbt unit test's `this` is a CTE, read in the query instead -#}
    {%- set loaded_up_to = "(select max(" ~ loaded_at_column ~ ") from " ~ this ~ ")" -%}
    {%- if incremental and execute and not (this | string).startswith('__dbt__cte__') -%}
        {%- set latest_load = run_query(
            "select cast(max(" ~ loaded_at_column ~ ") as " ~ dbt.type_string() ~ ") from " ~ this
        ).columns[0].values()[0] -%}
        {%- set loaded_up_to = none if latest_load is none else "cast('" ~ latest_load ~ "' as timestamp)" -%}
    {%- endif -%}
    {%- set event_us = secfeat.epoch_microseconds('_rw_events.' ~ time_column) -%}
    with
    {% if incremental -%}
        -- strictly after: every row of one load arrives in one build, and later loads are later
        _rw_arrivals as (
            select
                {%- for column in entity_columns %}
                    {{ column }},
                {%- endfor %}
                {{ secfeat.epoch_microseconds(time_column) }} as _rw_arrived_us
            from {{ relation }}
            {%- if loaded_up_to is not none %}
                where {{ loaded_at_column }} > {{ loaded_up_to }}
            {%- endif %}
        ),

        _rw_arrival_spans as (
            select
                {%- for column in entity_columns %}
                    {{ column }},
                {%- endfor %}
                min(_rw_arrived_us) - {{ longest_window_us }} as _rw_from_us,
                max(_rw_arrived_us) + {{ longest_window_us }} as _rw_to_us
            from _rw_arrivals
            group by {% for column in entity_columns %}{{ loop.index }}{% if not loop.last %}, {% endif %}{% endfor %}
        ),

        _rw_history as (
            select _rw_events.*
            from {{ relation }} as _rw_events
            inner join _rw_arrival_spans
                on
                {%- for column in entity_columns %}
                    _rw_events.{{ column }} is not distinct from _rw_arrival_spans.{{ column }} and
                {%- endfor %}
                    {{ event_us }} > _rw_arrival_spans._rw_from_us
                    and {{ event_us }} < _rw_arrival_spans._rw_to_us
        ),
    {%- else -%}
        _rw_history as (
            select * from {{ relation }}
        ),
    {%- endif %}

    _rw_ordered as (
        select
            *,
            {{ secfeat.epoch_microseconds(time_column) }} as _rw_at_us,
            {{ secfeat._rolling_window_input_columns(features) }}
        from _rw_history
    ),

    {%- if incremental %}

        _rw_marked as (
            select
                *,
                exists (
                    select 1
                    from _rw_arrivals
                    where
                        {%- for column in entity_columns %}
                            _rw_arrivals.{{ column }} is not distinct from _rw_ordered.{{ column }} and
                        {%- endfor %}
                            _rw_arrivals._rw_arrived_us <= _rw_ordered._rw_at_us
                            and _rw_ordered._rw_at_us < _rw_arrivals._rw_arrived_us + {{ longest_window_us }}
                ) as _rw_is_probe
            from _rw_ordered
        ),

        _rw_probe_counts as (
            select
                {%- for column in entity_columns %}
                    {{ column }},
                {%- endfor %}
                count(case when _rw_is_probe then 1 end) as _rw_probe_count
            from _rw_marked
            group by {% for column in entity_columns %}{{ loop.index }}{% if not loop.last %}, {% endif %}{% endfor %}
        ),

        _rw_sized as (
            select
                _rw_marked.*,
                _rw_probe_counts._rw_probe_count
            from _rw_marked
            inner join _rw_probe_counts
                on
                {%- for column in entity_columns %}
                    {% if not loop.first %}and {% endif -%}
                    _rw_marked.{{ column }} is not distinct from _rw_probe_counts.{{ column }}
                {%- endfor %}
        ),

        -- an entity with few probes: each probe joined to the events of its window
        _rw_joined_probes as (
            select
                *,
                row_number() over (order by _rw_at_us) as _rw_probe_id
            from _rw_sized
            where _rw_is_probe and _rw_probe_count <= {{ joined_probes_per_entity }}
        ),

        _rw_joined_values as (
            select
                _rw_joined_probes._rw_probe_id,
                {%- for feature in features %}
                    {{ secfeat.rolling_window_joined_aggregate(
                        feature, '_rw_events._rw_input_' ~ loop.index, '_rw_events._rw_at_us', '_rw_joined_probes._rw_at_us'
                    ) }} as {{ feature.name }}
                    {%- if not loop.last %},{% endif %}
                {%- endfor %}
            from _rw_joined_probes
            inner join _rw_sized as _rw_events
                on
                {%- for column in entity_columns %}
                    _rw_events.{{ column }} is not distinct from _rw_joined_probes.{{ column }} and
                {%- endfor %}
                    _rw_events._rw_at_us <= _rw_joined_probes._rw_at_us
                    and _rw_events._rw_at_us > _rw_joined_probes._rw_at_us - {{ longest_window_us }}
            group by _rw_joined_probes._rw_probe_id
        ),

        _rw_joined as (
            select
                {{ secfeat.star_except(helper_columns + ['_rw_probe_id'], '_rw_joined_probes') }},
                {%- for feature in features %}
                    _rw_joined_values.{{ feature.name }}
                    {%- if not loop.last %},{% endif %}
                {%- endfor %}
            from _rw_joined_probes
            inner join _rw_joined_values
                on _rw_joined_probes._rw_probe_id = _rw_joined_values._rw_probe_id
        ),

    {%- endif %}

    -- every row in a full build; in an incremental one, the rows of an entity
    -- with many probes: window functions over its events, once
    _rw_windowed as (
        select
            *,
            {{ secfeat._rolling_window_value_columns(features, entity_columns) }}
        {%- if incremental %}
            from _rw_sized
            where _rw_probe_count > {{ joined_probes_per_entity }}
        {%- else %}
            from _rw_ordered
        {%- endif %}
    ),

    _rw_recomputed as (
        {%- if incremental %}
            select * from _rw_joined
            union all
        {%- endif %}
        select {{ secfeat.star_except(helper_columns) }}
        from _rw_windowed
        {%- if incremental %}
            where _rw_is_probe
        {%- endif %}
    )

    select
        *,
        cast({{ time_column }} as date) as event_date,
        {{ secfeat.build_started_at() }} as _computed_at
    from _rw_recomputed
{%- endmacro %}
