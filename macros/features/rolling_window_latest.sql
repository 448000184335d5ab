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
