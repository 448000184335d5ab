{#- A compiled Sigma correlation rule's hits: every event of its referenced
    rules (`correlation.rules`, each a condition and its group-by and value
    fields, per dialect) at which the correlation holds over the timespan up
    to it, inclusive (t - timespan <= t' <= t), per group (rows whose group
    fields are null take no part):
      event_count       distinct events            `operator count`
      value_count       distinct lower-cased values of the value field
      temporal          distinct referenced rules matched (default: all)
      temporal_ordered  the rules matched in order (t1 <= t2 <= ... <= tn,
                        tn - t1 <= timespan): the hit is the last event.
    Exact under late events: signals evaluates the events whose window holds a
    record staged since its last build (_computed_at: the window's latest
    _loaded_at), reading only the records within a timespan of those. -#}
{% macro sigma_correlation(rule, correlation) -%}
    {%- set dialect = target.type -%}
    {%- set since = secfeat.signals_evaluated_through() -%}
    {%- set span = correlation.timespan_seconds -%}
    {%- set groups = correlation.rules[0].group_by | length -%}
    {%- set window -%}
        (
            {%- if groups %}partition by {% for i in range(groups) %}group_{{ i }}{{ ', ' if not loop.last }}{% endfor %}{% endif %}
            order by event_at range between interval {{ span }} seconds preceding and current row
        )
    {%- endset -%}
    with records as (
        select * from {{ secfeat.sigma_records(rule) }}
        {%- if since is not none %}
            -- only what a record staged since can change, and what those windows read
            where event_at between
                (select min(event_at) from {{ secfeat.sigma_records(rule) }} where _loaded_at >= {{ since }})
                - interval {{ span }} seconds
                and (select max(event_at) from {{ secfeat.sigma_records(rule) }} where _loaded_at >= {{ since }})
                + interval {{ span }} seconds
        {%- endif %}
    ),

    matched as (
        {%- for base in correlation.rules %}
            select
                records.*,
                {{ loop.index0 }} as rule_index,
                {%- for group in base.group_by %}
                    lower({{ group[dialect] }}) as group_{{ loop.index0 }},
                {%- endfor %}
                {%- if base.value is defined %}
                    lower({{ base.value[dialect] }}) as counted_value
                {%- else %}
                    cast(null as string) as counted_value
                {%- endif %}
            from records
            where
                ({{ base.condition[dialect] }})
                {%- for group in base.group_by %}
                    and {{ group[dialect] }} is not null
                {%- endfor %}
            {%- if not loop.last %}
                union all
            {%- endif %}
        {%- endfor %}
    ),

    {%- if correlation.type == 'temporal_ordered' %}
        {%- set on_group %}{% for i in range(groups) %} and later.group_{{ i }} = chain.group_{{ i }}{% endfor %}{% endset %}
        {%- set group_columns %}{% for i in range(groups) %}, later.group_{{ i }}{% endfor %}{% endset %}
        -- per event of rule k, the latest start of a chain of rules 0..k ending at it
        chain_0 as (
            select event_uid, event_at, event_at as started_at{% for i in range(groups) %}, group_{{ i }}{% endfor %}
            from matched
            where rule_index = 0
        ),
        {%- for k in range(1, correlation.rules | length) %}
            chain_{{ k }} as (
                select later.event_uid, later.event_at, max(chain.started_at) as started_at{{ group_columns }}
                from matched as later
                inner join chain_{{ k - 1 }} as chain
                    on
                        later.rule_index = {{ k }}{{ on_group }}
                        and later.event_at >= chain.event_at
                        and later.event_at <= chain.started_at + interval {{ span }} seconds
                group by later.event_uid, later.event_at{{ group_columns }}
            ),
        {%- endfor %}

        windows as (
            select
                matched.*,
                max(matched._loaded_at) over {{ window }} as window_loaded_at,
                chain_ends.event_uid is not null as holds
            from matched
            left join (
                select distinct event_uid from chain_{{ (correlation.rules | length) - 1 }}
            ) as chain_ends
                on matched.event_uid = chain_ends.event_uid
        ),
    {%- else %}
        windows as (
            select
                *,
                max(_loaded_at) over {{ window }} as window_loaded_at,
                {%- if correlation.type == 'event_count' %}
                    {{ secfeat.sigma_distinct_count('event_uid', window) }}
                {%- elif correlation.type == 'value_count' %}
                    {{ secfeat.sigma_distinct_count('counted_value', window) }}
                {%- else %}
                    {{ secfeat.sigma_distinct_count('rule_index', window) }}
                {%- endif %}
                {{ correlation.operator }} {{ correlation.count }} as holds
            from matched
        ),
    {%- endif %}

    hits as (
        select
            event_uid,
            any_value(event_at) as event_at,
            any_value(user_key) as user_key,
            any_value(src_endpoint_ip) as src_endpoint_ip,
            any_value(host_key) as host_key,
            max(window_loaded_at) as _computed_at
        from windows
        where holds
        group by event_uid
    )

    {{ secfeat.detection_hits('hits', rule) }}
{%- endmacro %}


{#- How many distinct non-null values a window holds: Spark has no count(distinct) over a window. -#}
{% macro sigma_distinct_count(column, window) -%}
    {%- if target.type == 'spark' -%}
        size(collect_set({{ column }}) over {{ window }})
    {%- else -%}
        len(list_distinct(list({{ column }}) over {{ window }}))
    {%- endif -%}
{%- endmacro %}
