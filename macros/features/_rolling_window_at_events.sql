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
