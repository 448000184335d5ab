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
