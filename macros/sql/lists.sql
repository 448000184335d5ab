{#- Lists and structs, which DuckDB and Spark spell differently. `keys` are
    expressions, each sorted ascending (negate a number to sort it descending). -#}

{#- The distinct values of an aggregate, sorted. -#}
{% macro sorted_distinct_list(expression) -%}
    {{ return(adapter.dispatch('sorted_distinct_list', 'secfeat')(expression)) }}
{%- endmacro %}

{% macro default__sorted_distinct_list(expression) -%}
    list(distinct {{ expression }} order by {{ expression }})
{%- endmacro %}

{% macro spark__sorted_distinct_list(expression) -%}
    array_sort(collect_set({{ expression }}))
{%- endmacro %}

{#- The values of an aggregate, in the order of `keys`. -#}
{% macro list_in_order(value, keys) -%}
    {{ return(adapter.dispatch('list_in_order', 'secfeat')(value, keys)) }}
{%- endmacro %}

{% macro default__list_in_order(value, keys) -%}
    list({{ value }} order by {{ keys | join(', ') }})
{%- endmacro %}

{% macro spark__list_in_order(value, keys) -%}
    transform(
        array_sort(collect_list(named_struct(
            {%- for key in keys %}'k{{ loop.index }}', {{ key }}, {% endfor %}'v', {{ value }}
        ))),
        entry -> entry.v
    )
{%- endmacro %}

{#- The sum of an aggregate's values added in the order of `keys`: the same values, the same sum to the last bit. -#}
{% macro sum_in_order(value, keys) -%}
    {{ return(adapter.dispatch('sum_in_order', 'secfeat')(value, keys)) }}
{%- endmacro %}

{% macro default__sum_in_order(value, keys) -%}
    list_sum({{ secfeat.list_in_order(value, keys) }})
{%- endmacro %}

{% macro spark__sum_in_order(value, keys) -%}
    aggregate({{ secfeat.list_in_order(value, keys) }}, cast(0 as double), (total, entry) -> total + entry)
{%- endmacro %}

{#- The first `count` elements of a list. -#}
{% macro list_head(expression, count) -%}
    {{ return(adapter.dispatch('list_head', 'secfeat')(expression, count)) }}
{%- endmacro %}

{% macro default__list_head(expression, count) -%}
    {{ expression }}[1:{{ count }}]
{%- endmacro %}

{% macro spark__list_head(expression, count) -%}
    slice({{ expression }}, 1, {{ count }})
{%- endmacro %}

{% macro list_join(expression, separator) -%}
    {{ return(adapter.dispatch('list_join', 'secfeat')(expression, separator)) }}
{%- endmacro %}

{% macro default__list_join(expression, separator) -%}
    array_to_string({{ expression }}, '{{ separator }}')
{%- endmacro %}

{% macro spark__list_join(expression, separator) -%}
    array_join({{ expression }}, '{{ separator }}')
{%- endmacro %}

{% macro list_length(expression) -%}
    {{ return(adapter.dispatch('list_length', 'secfeat')(expression)) }}
{%- endmacro %}

{% macro default__list_length(expression) -%}
    len({{ expression }})
{%- endmacro %}

{% macro spark__list_length(expression) -%}
    size({{ expression }})
{%- endmacro %}

{#- A struct of named fields (`fields`: name to expression, in order). -#}
{% macro struct_of(fields) -%}
    {{ return(adapter.dispatch('struct_of', 'secfeat')(fields)) }}
{%- endmacro %}

{% macro default__struct_of(fields) -%}
    struct_pack({% for name, expression in fields.items() %}{{ name }} := {{ expression }}{{ ', ' if not loop.last }}{% endfor %})
{%- endmacro %}

{% macro spark__struct_of(fields) -%}
    named_struct({% for name, expression in fields.items() %}'{{ name }}', {{ expression }}{{ ', ' if not loop.last }}{% endfor %})
{%- endmacro %}

{#- A timestamp as 'YYYY-MM-DD HH:MM:SS' text. -#}
{% macro timestamp_to_seconds_text(expression) -%}
    {{ return(adapter.dispatch('timestamp_to_seconds_text', 'secfeat')(expression)) }}
{%- endmacro %}

{% macro default__timestamp_to_seconds_text(expression) -%}
    strftime({{ expression }}, '%Y-%m-%d %H:%M:%S')
{%- endmacro %}

{% macro spark__timestamp_to_seconds_text(expression) -%}
    date_format({{ expression }}, 'yyyy-MM-dd HH:mm:ss')
{%- endmacro %}
