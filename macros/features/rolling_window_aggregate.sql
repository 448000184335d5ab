{#- One feature's aggregate (then its transform) in SQL, over `input_column`
    followed by `over` (a window clause, or nothing for a grouped aggregate).
    `count_distinct` is how the engine counts distinct values there. -#}
{% macro _rolling_window_aggregate_sql(feature, input_column, over, count_distinct='count(distinct {input}){over}') -%}
    {%- set aggregate = feature.aggregate -%}
    {%- set templates = {
        'count': 'count({input}){over}',
        'count_distinct': count_distinct,
        'sum': 'coalesce(sum({input}){over}, 0)',
        'max': 'max({input}){over}',
        'min': 'min({input}){over}',
    } -%}
    {%- if aggregate not in templates -%}
        {{ exceptions.raise_compiler_error(
            "rolling_window: feature '" ~ feature.name ~ "' has aggregate '" ~ aggregate
            ~ "'; use count, count_distinct, sum, max or min"
        ) }}
    {%- endif -%}
    {%- set value = templates[aggregate] | replace('{input}', input_column) | replace('{over}', over) -%}
    {{ return(feature.get('transform', '{value}') | replace('{value}', '(' ~ value ~ ')')) }}
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
    {{ return(secfeat._rolling_window_aggregate_sql(
        feature, input_column, secfeat._rolling_window_frame(feature, partition_columns, order_column)
    )) }}
{%- endmacro %}

{#- Spark refuses count(distinct) over a window (DISTINCT_WINDOW_FUNCTION_UNSUPPORTED):
    the size of the set of values, which skips nulls as count(distinct) does. -#}
{% macro spark__rolling_window_aggregate(feature, input_column, partition_columns, order_column) -%}
    {{ return(secfeat._rolling_window_aggregate_sql(
        feature, input_column, secfeat._rolling_window_frame(feature, partition_columns, order_column),
        count_distinct='size(collect_set({input}){over})'
    )) }}
{%- endmacro %}

{#- The frame (t - window, t] of the row's entity, rows ordered by integer
    microseconds (so the frame is exact, whatever the engine's interval type). -#}
{% macro _rolling_window_frame(feature, partition_columns, order_column) -%}
    {%- set frame -%}
        {{ ' ' }}over (
            partition by {{ partition_columns | join(', ') }}
            order by {{ order_column }}
            range between {{ secfeat.window_microseconds(feature.window) - 1 }} preceding and current row
        )
    {%- endset -%}
    {{ return(frame) }}
{%- endmacro %}

{#- The same value as a grouped aggregate over a probe's joined events, which
    all fall in (t - longest window, t]: an event counts when it also falls in
    this feature's window. -#}
{% macro rolling_window_joined_aggregate(feature, input_column, event_us, probe_us) -%}
    {%- set in_window = 'case when ' ~ event_us ~ ' > ' ~ probe_us ~ ' - '
        ~ secfeat.window_microseconds(feature.window) ~ ' then ' ~ input_column ~ ' end' -%}
    {{ return(secfeat._rolling_window_aggregate_sql(feature, in_window, '')) }}
{%- endmacro %}
