{#- A distinct whole number for every row of the current relation, the same
    each time the relation is read within one query: an engine that inlines
    a CTE at each of its reads must number its rows alike at each. -#}
{% macro row_ids(order_column) -%}
    {{ return(adapter.dispatch('row_ids', 'secfeat')(order_column)) }}
{%- endmacro %}

{#- DuckDB materializes a CTE read twice (or numbers it once), so any order will do. -#}
{% macro default__row_ids(order_column) -%}
    row_number() over ()
{%- endmacro %}

{#- Spark inlines the CTE at each read and wants an order: by time, then by
    the whole row (timestamps to the microsecond), so rows that tie are
    identical and which id each gets changes nothing. -#}
{% macro spark__row_ids(order_column) -%}
    row_number() over (
        order by {{ order_column }}, to_json(struct(*), map('timestampFormat', 'yyyy-MM-dd HH:mm:ss.SSSSSS'))
    )
{%- endmacro %}
