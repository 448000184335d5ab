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
