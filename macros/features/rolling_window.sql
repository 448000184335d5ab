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
      * entity-latest (rolling_window_latest): one row per entity seen by the
        as-of time (var as_of, else the build time), with the features then.
      * as of given times (probes='<relation>'): one output row per probe row
        (entity, time), with the features exactly at that time. Probes never
        count as events, so a window that has emptied reads 0. Entity-latest
        tables are probes at the build time; training sets, probes at label times.

    Arguments:
      relation          relation or CTE name holding the events
      entity_key        column, or list of columns, identifying the entity
                        (same names in probes)
      time_column       event time column, UTC timestamp
      features          list of {name, aggregate, window, expression?, filter?}
                          aggregate: count | count_distinct | sum | max | min
                          window:    '<n> seconds|minutes|hours|days'
                          expression: what to aggregate (default: 1)
                          filter:    SQL condition on the event (default: true)
                          transform: SQL on the aggregate, '{value}' standing for
                                     it (e.g. '{value} <= 1'); default: the value
      probes            relation or CTE name of (entity_key..., probe_time_column, ...)
      probe_time_column the probes' time column (default: time_column)
      ingested_at_column  event grain, incremental models only: the column
                          that says when an event arrived
-#}
{% macro rolling_window(
    relation, entity_key, time_column, features,
    probes=none, probe_time_column=none, ingested_at_column=none
) -%}
    {%- set entity_columns = [entity_key] if entity_key is string else entity_key -%}
    {%- set longest_window_us = secfeat.longest_window_microseconds(features) -%}
    {%- if probes is none -%}
        {{ secfeat._rolling_window_at_events(
            relation, entity_columns, time_column, features, ingested_at_column, longest_window_us
        ) }}
    {%- else -%}
        {{ secfeat._rolling_window_at_probes(
            relation, entity_columns, time_column, features, probes, probe_time_column or time_column,
            longest_window_us
        ) }}
    {%- endif -%}
{%- endmacro %}


{#- Entity-latest: every entity with an event by the as-of time, probed then;
    output columns are the entity key(s), as_of_at and the features. -#}
{% macro rolling_window_latest(relation, entity_key, time_column, features) -%}
    {%- set entity_columns = [entity_key] if entity_key is string else entity_key -%}
    with _rw_known_entities as (
        select
            {{ entity_columns | join(', ') }},
            {{ secfeat.as_of_timestamp() }} as as_of_at
        from {{ relation }}
        group by {{ entity_columns | join(', ') }}
        having min({{ time_column }}) <= {{ secfeat.as_of_timestamp() }}
    ),

    _rw_latest as (
        {{ secfeat.rolling_window(
            relation, entity_key, time_column, features, probes='_rw_known_entities', probe_time_column='as_of_at'
        ) }}
    )

    select * from _rw_latest
{%- endmacro %}


{% macro _rolling_window_at_events(relation, entity_columns, time_column, features, ingested_at_column, longest_window_us) -%}
    {%- set incremental = ingested_at_column is not none and is_incremental() -%}
    {%- set helper_columns = ['_rw_at_us'] + (['_rw_changed_from'] if incremental else []) -%}
    {%- for feature in features -%}
        {%- do helper_columns.append('_rw_input_' ~ loop.index) -%}
    {%- endfor -%}
    with
    {% if incremental -%}
        _rw_changed_entities as (
            -- >= : rows ingested in the same instant as the watermark are redone, never missed
            select
                {%- for column in entity_columns %}
                    {{ column }},
                {%- endfor %}
                min({{ time_column }}) as _rw_changed_from
            from {{ relation }}
            where {{ ingested_at_column }} >= (
                select coalesce(max({{ ingested_at_column }}), '1900-01-01'::timestamp) from {{ this }}
            )
            group by {% for column in entity_columns %}{{ loop.index }}{% if not loop.last %}, {% endif %}{% endfor %}
        ),

        _rw_history as (
            select
                _rw_events.*,
                _rw_changed_entities._rw_changed_from
            from {{ relation }} as _rw_events
            inner join _rw_changed_entities
                on
                {%- for column in entity_columns %}
                    {% if not loop.first %}and {% endif -%}
                    _rw_events.{{ column }} is not distinct from _rw_changed_entities.{{ column }}
                {%- endfor %}
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
                {{ secfeat.rolling_window_aggregate(feature, '_rw_input_' ~ loop.index, entity_columns, '_rw_at_us') }}
                as {{ feature.name }}
                {%- if not loop.last %},{% endif %}
            {%- endfor %}
        from _rw_ordered
    )

    select {{ secfeat.star_except(helper_columns) }}
    from _rw_windowed
    {%- if incremental %}
        where {{ time_column }} >= _rw_changed_from
    {%- endif %}
{%- endmacro %}


{% macro _rolling_window_at_probes(relation, entity_columns, time_column, features, probes, probe_time_column, longest_window_us) -%}
    {%- set stream_entities = [] -%}
    {%- for column in entity_columns -%}
        {%- do stream_entities.append('_rw_entity_' ~ loop.index) -%}
    {%- endfor -%}
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

    _rw_probed_entities as (
        select distinct {{ entity_columns | join(', ') }}
        from _rw_probes
    ),

    _rw_stream as (
        -- only the history of probed entities that some probe's longest window can reach
        select
            {%- for column in entity_columns %}
                _rw_events.{{ column }} as _rw_entity_{{ loop.index }},
            {%- endfor %}
            {{ secfeat.epoch_microseconds('_rw_events.' ~ time_column) }} as _rw_at_us,
            null::bigint as _rw_probe_id,
            {%- for feature in features %}
                {{ secfeat._rolling_window_input(feature) }} as _rw_input_{{ loop.index }}
                {%- if not loop.last %},{% endif %}
            {%- endfor %}
        from {{ relation }} as _rw_events
        inner join _rw_probed_entities
            on
            {%- for column in entity_columns %}
                {% if not loop.first %}and {% endif -%}
                _rw_events.{{ column }} is not distinct from _rw_probed_entities.{{ column }}
            {%- endfor %}
        cross join _rw_probe_span
        where
            {{ secfeat.epoch_microseconds('_rw_events.' ~ time_column) }} > _rw_probe_span._rw_from_us
            and {{ secfeat.epoch_microseconds('_rw_events.' ~ time_column) }} <= _rw_probe_span._rw_to_us

        union all

        -- probes carry no input, so they never count toward any feature
        select
            {%- for column in entity_columns %}
                {{ column }} as _rw_entity_{{ loop.index }},
            {%- endfor %}
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
                {{ secfeat.rolling_window_aggregate(feature, '_rw_input_' ~ loop.index, stream_entities, '_rw_at_us') }}
                as {{ feature.name }}
                {%- if not loop.last %},{% endif %}
            {%- endfor %}
        from _rw_stream
    )

    select
        {{ secfeat.star_except(['_rw_probe_id'], '_rw_probes') }},
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


{#- One feature's aggregate over the frame (t - window, t] of its entity, with
    rows ordered by integer microseconds. Dispatched: engines without
    count(distinct) over a range frame need another formulation. -#}
{% macro rolling_window_aggregate(feature, input_column, partition_columns, order_column) -%}
    {{ return(adapter.dispatch('rolling_window_aggregate', 'secfeat')(
        feature, input_column, partition_columns, order_column
    )) }}
{%- endmacro %}

{% macro default__rolling_window_aggregate(feature, input_column, partition_columns, order_column) -%}
    {%- set aggregate = feature.aggregate -%}
    {%- set transform = feature.get('transform', '{value}') -%}
    {%- set frame -%}
        over (
            partition by {{ partition_columns | join(', ') }}
            order by {{ order_column }}
            range between {{ secfeat.window_microseconds(feature.window) - 1 }} preceding and current row
        )
    {%- endset -%}
    {%- if aggregate == 'count' -%}
        {%- set value = 'count(' ~ input_column ~ ') ' ~ frame -%}
    {%- elif aggregate == 'count_distinct' -%}
        {%- set value = 'count(distinct ' ~ input_column ~ ') ' ~ frame -%}
    {%- elif aggregate == 'sum' -%}
        {%- set value = 'coalesce(sum(' ~ input_column ~ ') ' ~ frame ~ ', 0)' -%}
    {%- elif aggregate in ('max', 'min') -%}
        {%- set value = aggregate ~ '(' ~ input_column ~ ') ' ~ frame -%}
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "rolling_window: feature '" ~ feature.name ~ "' has aggregate '" ~ aggregate
            ~ "'; use count, count_distinct, sum, max or min"
        ) }}
    {%- endif -%}
    {{ transform | replace('{value}', '(' ~ value ~ ')') }}
{%- endmacro %}


{#- Every column of the current relation but `columns`. -#}
{% macro star_except(columns, relation_alias=none) -%}
    {{ return(adapter.dispatch('star_except', 'secfeat')(columns, relation_alias)) }}
{%- endmacro %}

{% macro default__star_except(columns, relation_alias) -%}
    {%- if relation_alias %}{{ relation_alias }}.{% endif %}* exclude ({{ columns | join(', ') }})
{%- endmacro %}

{% macro bigquery__star_except(columns, relation_alias) -%}
    {%- if relation_alias %}{{ relation_alias }}.{% endif %}* except ({{ columns | join(', ') }})
{%- endmacro %}
