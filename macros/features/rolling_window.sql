{#-
    rolling_window: the one way secfeat computes windowed features.

    Boundary rule, for every feature and every grain: an event at time e counts
    toward the value as of time t when  t - window < e <= t.
    (An event exactly one window before t is out; one at t itself is in.)

    Grains:
      * event grain (probes=none): one output row per row of `relation`, each
        carrying the features as of its own time. In an incremental model only
        the rows a new or late event can change are recomputed: rows of the
        entities that received events ingested since the last run, from the
        earliest such event on, reading back one longest window of history.
      * as of given times (probes='<relation>'): one output row per probe row
        (entity, time), with the features exactly at that time. Probes never
        count as events, so a window that has emptied reads 0. Entity-latest
        tables are probes at the build time.

    Arguments:
      relation          relation or CTE name holding the events
      entity_key        column identifying the entity (same name in probes)
      time_column       event time column, UTC timestamp (same name in probes)
      features          list of {name, aggregate, window, expression?, filter?}
                          aggregate: count | count_distinct | sum | max | min
                          window:    '<n> seconds|minutes|hours|days'
                          expression: what to aggregate (default: 1)
                          filter:    SQL condition on the event (default: true)
      probes            relation or CTE name of (entity_key, probe_time_column, ...)
      probe_time_column the probes' time column (default: time_column)
      ingested_at_column  event grain, incremental models only: the column
                          that says when an event arrived
-#}
{% macro rolling_window(
    relation, entity_key, time_column, features,
    probes=none, probe_time_column=none, ingested_at_column=none
) -%}
    {%- set longest_window_us = secfeat.longest_window_microseconds(features) -%}
    {%- if probes is none -%}
        {{ secfeat._rolling_window_at_events(relation, entity_key, time_column, features, ingested_at_column, longest_window_us) }}
    {%- else -%}
        {{ secfeat._rolling_window_at_probes(
            relation, entity_key, time_column, features, probes, probe_time_column or time_column, longest_window_us
        ) }}
    {%- endif -%}
{%- endmacro %}


{% macro _rolling_window_at_events(relation, entity_key, time_column, features, ingested_at_column, longest_window_us) -%}
    {%- set incremental = ingested_at_column is not none and is_incremental() -%}
    with
    {% if incremental -%}
        _rw_changed_entities as (
            -- >= : rows ingested in the same instant as the watermark are redone, never missed
            select
                {{ entity_key }} as _rw_entity,
                min({{ time_column }}) as _rw_changed_from
            from {{ relation }}
            where {{ ingested_at_column }} >= (
                select coalesce(max({{ ingested_at_column }}), '1900-01-01'::timestamp) from {{ this }}
            )
            group by 1
        ),

        _rw_history as (
            select
                _rw_events.*,
                _rw_changed_entities._rw_changed_from
            from {{ relation }} as _rw_events
            inner join _rw_changed_entities
                on _rw_events.{{ entity_key }} is not distinct from _rw_changed_entities._rw_entity
            where
                {{ secfeat.epoch_microseconds('_rw_events.' ~ time_column) }}
                > {{ secfeat.epoch_microseconds('_rw_changed_entities._rw_changed_from') }} - {{ longest_window_us }}
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
            {%- for feature in features %}
                {{ secfeat._rolling_window_input(feature) }} as _rw_input_{{ loop.index }}
                {%- if not loop.last %},{% endif %}
            {%- endfor %}
        from _rw_history
    ),

    _rw_windowed as (
        select
            *,
            {%- for feature in features %}
                {{ secfeat._rolling_window_aggregate(feature, '_rw_input_' ~ loop.index, entity_key) }}
                as {{ feature.name }}
                {%- if not loop.last %},{% endif %}
            {%- endfor %}
        from _rw_ordered
    )

    select
        * exclude (
            _rw_at_us,
            {%- if incremental %} _rw_changed_from,{% endif %}
            {%- for feature in features %}
                _rw_input_{{ loop.index }}{% if not loop.last %},{% endif %}
            {%- endfor %}
        )
    from _rw_windowed
    {%- if incremental %}
        where {{ time_column }} >= _rw_changed_from
    {%- endif %}
{%- endmacro %}


{% macro _rolling_window_at_probes(relation, entity_key, time_column, features, probes, probe_time_column, longest_window_us) -%}
    with _rw_probes as (
        select
            *,
            row_number() over () as _rw_probe_id
        from {{ probes }}
    ),

    _rw_probe_span as (
        select
            {{ secfeat.epoch_microseconds('min(' ~ probe_time_column ~ ')') }} - {{ longest_window_us }} as _rw_from_us,
            {{ secfeat.epoch_microseconds('max(' ~ probe_time_column ~ ')') }} as _rw_to_us
        from _rw_probes
    ),

    _rw_stream as (
        -- only the history some probe's longest window can reach
        select
            _rw_events.{{ entity_key }} as _rw_entity,
            {{ secfeat.epoch_microseconds('_rw_events.' ~ time_column) }} as _rw_at_us,
            null::bigint as _rw_probe_id,
            {%- for feature in features %}
                {{ secfeat._rolling_window_input(feature) }} as _rw_input_{{ loop.index }}
                {%- if not loop.last %},{% endif %}
            {%- endfor %}
        from {{ relation }} as _rw_events
        cross join _rw_probe_span
        where
            {{ secfeat.epoch_microseconds('_rw_events.' ~ time_column) }} > _rw_probe_span._rw_from_us
            and {{ secfeat.epoch_microseconds('_rw_events.' ~ time_column) }} <= _rw_probe_span._rw_to_us
            and _rw_events.{{ entity_key }} in (select _rw_probes.{{ entity_key }} from _rw_probes)

        union all

        -- probes carry no input, so they never count toward any feature
        select
            {{ entity_key }} as _rw_entity,
            {{ secfeat.epoch_microseconds(probe_time_column) }} as _rw_at_us,
            _rw_probe_id,
            {%- for feature in features %}
                null as _rw_input_{{ loop.index }}
                {%- if not loop.last %},{% endif %}
            {%- endfor %}
        from _rw_probes
    ),

    _rw_windowed as (
        select
            _rw_probe_id,
            {%- for feature in features %}
                {{ secfeat._rolling_window_aggregate(feature, '_rw_input_' ~ loop.index, '_rw_entity') }}
                as {{ feature.name }}
                {%- if not loop.last %},{% endif %}
            {%- endfor %}
        from _rw_stream
    )

    select
        _rw_probes.* exclude (_rw_probe_id),
        {%- for feature in features %}
            _rw_windowed.{{ feature.name }}
            {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from _rw_probes
    inner join _rw_windowed
        on _rw_probes._rw_probe_id = _rw_windowed._rw_probe_id
{%- endmacro %}


{#- What an event contributes to a feature: its expression when the filter
    holds, else null (aggregates skip nulls). -#}
{% macro _rolling_window_input(feature) -%}
    {%- set expression = feature.get('expression', '1') -%}
    {%- set filter = feature.get('filter', none) -%}
    {%- if filter is none -%}
        {{ expression }}
    {%- else -%}
        case when {{ filter }} then {{ expression }} end
    {%- endif -%}
{%- endmacro %}


{% macro _rolling_window_aggregate(feature, input_column, partition_column) -%}
    {%- set aggregate = feature.aggregate -%}
    {%- set frame -%}
        over (
            partition by {{ partition_column }}
            order by _rw_at_us
            range between {{ secfeat.window_microseconds(feature.window) - 1 }} preceding and current row
        )
    {%- endset -%}
    {%- if aggregate == 'count' -%}
        count({{ input_column }}) {{ frame }}
    {%- elif aggregate == 'count_distinct' -%}
        count(distinct {{ input_column }}) {{ frame }}
    {%- elif aggregate == 'sum' -%}
        coalesce(sum({{ input_column }}) {{ frame }}, 0)
    {%- elif aggregate in ('max', 'min') -%}
        {{ aggregate }}({{ input_column }}) {{ frame }}
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "rolling_window: feature '" ~ feature.name ~ "' has aggregate '" ~ aggregate
            ~ "'; use count, count_distinct, sum, max or min"
        ) }}
    {%- endif -%}
{%- endmacro %}
