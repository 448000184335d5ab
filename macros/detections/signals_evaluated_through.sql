{#- The live `signals` table's watermark (its latest _evaluated_through) as a
    timestamp literal, when the build evaluates incrementally; none on a
    first or full build and in a replay. A literal, not a subquery, so a scan
    of the records staged since skips the older row groups. -#}
{% macro signals_evaluated_through() -%}
    {%- if not execute or var('replay') or flags.FULL_REFRESH -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set signals = adapter.get_relation(database=target.database, schema=target.schema, identifier='signals') -%}
    {%- if signals is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set through = run_query('select cast(max(_evaluated_through) as string) from ' ~ signals).columns[0].values() | first -%}
    {{ return(none if through is none else "cast('" ~ through ~ "' as timestamp)") }}
{%- endmacro %}
