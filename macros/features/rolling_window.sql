{#-
    rolling_window: the one way secfeat computes windowed features.

    Boundary rule, for every feature and every grain: an event at time e counts
    toward the value as of time t when  t - window < e <= t.
    (An event exactly one window before t is out; one at t itself is in.)

    Grains:
      * event grain (probes=none): one output row per row of `relation`, each
        carrying the features as of its own time, and _computed_at (when the
        build that computed them started). In an incremental model only the
        rows an arrival can change are recomputed: an arrival is a row loaded
        after the latest load the model holds, and it changes the rows of its
        entity from its own time to one longest window later. Their values
        are computed from the entity's events one longest window around the
        arrivals, so a run costs what arrived, late or not (see
        _rolling_window_at_events). Each row also carries event_date (the
        UTC date of its time): where a table can only replace whole
        partitions (insert_overwrite on Spark's plain Parquet), a run
        rewrites every row of the dates an arrival changes instead
        (_rolling_window_at_event_dates).
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
      loaded_at_column  event grain, incremental models only: the column
                          that says when a row was loaded (strictly later for
                          each later load, e.g. _loaded_at)
    A CTE passed as `relation` is read more than once: declare it
    `as {{ secfeat.not_materialized() }}`, or DuckDB materializes it whole.
-#}
{% macro rolling_window(
    relation, entity_key, time_column, features,
    probes=none, probe_time_column=none, loaded_at_column=none
) -%}
    {%- set entity_columns = [entity_key] if entity_key is string else entity_key -%}
    {%- set longest_window_us = secfeat.longest_window_microseconds(features) -%}
    {%- if probes is none and loaded_at_column is not none and is_incremental()
        and config.get('incremental_strategy') == 'insert_overwrite' -%}
        {{ secfeat._rolling_window_at_event_dates(
            relation, entity_columns, time_column, features, loaded_at_column, longest_window_us
        ) }}
    {%- elif probes is none -%}
        {{ secfeat._rolling_window_at_events(
            relation, entity_columns, time_column, features, loaded_at_column, longest_window_us
        ) }}
    {%- else -%}
        {{ secfeat._rolling_window_at_probes(
            relation, entity_columns, time_column, features, probes, probe_time_column or time_column,
            longest_window_us
        ) }}
    {%- endif -%}
{%- endmacro %}
