{% macro _rolling_window_at_probes(relation, entity_columns, time_column, features, probes, probe_time_column, longest_window_us) -%}
    {%- set stream_entities = [] -%}
    {%- for column in entity_columns -%}
        {%- do stream_entities.append('_rw_entity_' ~ loop.index) -%}
    {%- endfor -%}
    with _rw_probes as (
        select
            *,
            {{ secfeat.row_ids(probe_time_column) }} as _rw_probe_id
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
            cast(null as bigint) as _rw_probe_id,
            {{ secfeat._rolling_window_input_columns(features) }}
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
            {{ secfeat._rolling_window_value_columns(features, stream_entities) }}
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
