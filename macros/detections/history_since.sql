{#- The warm-up guard of a rule that needs a baseline of the warehouse's own
    history: whether `time_column` is at least `period` after the first row of
    `relation` matching `condition` (e.g. a day after the first located logon:
    before that, every country is new to everybody). A subquery on the whole
    relation, point in time by construction (its first row never moves later). -#}
{% macro history_since(relation, condition, time_column='event_at', period='1 day') -%}
    {{ time_column }} >= (
        select min(event_at) from {{ relation }} where {{ condition }}
    ) + interval {{ period }}
{%- endmacro %}
