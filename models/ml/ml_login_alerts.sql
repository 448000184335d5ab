{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='alert_id',
        on_schema_change='append_new_columns',
        full_refresh=false,
        tags=['uses_champion'],
    )
}}
{#- Every alert the champion raised, with its history: one per user and UTC
    day, the user's highest-scoring event that day (a logon, a privileged
    action, a process launch or an API call) when it reaches var
    alert_threshold, at most var alert_daily_budget a day, highest first;
    selected from the kept scores (ml_login_scores), never by scoring.

    Incremental by day: a build revisits only the days that received scores
    since the scores it last saw (new events, or events a late event changed),
    recomputes their alerts, rank and budget from the kept scores of those
    days alone, and writes back what changed. A changed setting (threshold,
    budget, severity bands) revisits every day that has alerts. An alert keeps
    its id, when it was first raised and by which version; an alert that no
    longer qualifies (a late event lowered it, or a higher one took its place
    in the budget) stays, withdrawn. Only status = 'raised' alerts are live.

    on_schema_change='append_new_columns': a feature added later is a new
    column, null in older alerts, whose history stays.

    full_refresh=false: `dbt build --full-refresh` (or `secfeat rescore`)
    rescores and revisits every day, but never drops this history; drop the
    table to start it over. -#}
{%- set threshold = var('alert_threshold') | float -%}
{%- set budget_var = var('alert_daily_budget') -%}
{%- set budget = none if budget_var in (none, '', 'None', 'none', 'null') or (budget_var | int) <= 0
    else budget_var | int -%}
{%- set critical = var('alert_severity_percentiles')['critical'] | float -%}
{%- set high = var('alert_severity_percentiles')['high'] | float -%}
{%- set settings_differ -%}
    threshold != {{ threshold }}
    or daily_budget is distinct from {{ budget if budget is not none else 'null::integer' }}
    or critical_percentile != {{ critical }}
    or high_percentile != {{ high }}
{%- endset %}
{%- set history_columns -%}
    null::varchar as status,
    null::timestamp as first_raised_at,
    null::varchar as first_model_version,
    null::varchar as first_event_uid,
    null::double as first_score,
    null::timestamp as last_changed_at,
    null::integer as times_rescored,
    null::timestamp as withdrawn_at,
    null::varchar as dbt_invocation_id
{%- endset %}
{%- set alert_columns = [
    'alert_day', 'event_uid', 'activity_kind', 'user_key', 'src_endpoint_ip', 'source_name', 'event_at', 'score',
    'score_percentile', 'entity_events_alerting', 'daily_rank', 'severity', 'model_name', 'model_version',
    'mlflow_run_id', 'scored_at', 'features_computed_at',
] + (secfeat.user_features() + secfeat.user_src_ip_features() + secfeat.src_ip_features())
    | map(attribute='name') | list -%}
{%- set is_raised = 'raised.alert_id is not null' -%}
{%- set is_new = 'revisited.alert_id is null' -%}
{%- set is_withdrawn = "(raised.alert_id is null and revisited.status = 'raised')" -%}
{%- set changes = ['event_uid', 'score', 'model_version', 'daily_rank', 'entity_events_alerting', 'severity'] -%}
{%- set differs = [] -%}
{%- for column in changes -%}
    {%- do differs.append('raised.' ~ column ~ ' is distinct from revisited.' ~ column) -%}
{%- endfor -%}
{%- set is_changed = '(raised.alert_id is not null and revisited.alert_id is not null and ('
    ~ "revisited.status != 'raised' or " ~ differs | join(' or ') ~ '))' -%}
with scores as (
    select
        *,
        event_at::date as alert_day
    from {{ ref('ml_login_scores') }}
),

scores_through as (
    select max(scored_at) as scores_through
    from scores
),

{% if is_incremental() -%}
previous as (
    select * from {{ this }}
),

seen as (
    select
        max(scores_through) as scores_through,
        count(*) filter (where {{ settings_differ }}) > 0 as settings_changed
    from previous
),

affected_days as (
    select distinct scores.alert_day
    from scores
    cross join seen
    where
        seen.settings_changed
        or seen.scores_through is null
        or scores.scored_at > seen.scores_through
    union
    select previous.alert_day
    from previous
    cross join seen
    where seen.settings_changed
),

{% endif -%}
candidates as (
    select scores.*
    from scores
    {% if is_incremental() -%}
        inner join affected_days
            on scores.alert_day = affected_days.alert_day
    {% endif -%}
    where scores.score >= {{ threshold }}
),

-- one per user and day: the best event (ties to the earlier, then the lower event_uid and kind)
user_days as (
    select
        *,
        count(*) over (partition by alert_day, user_key) as entity_events_alerting,
        row_number() over (
            partition by alert_day, user_key order by score desc, event_at asc, event_uid asc, activity_kind asc
        ) as user_day_rank
    from candidates
),

ranked as (
    select
        * exclude (user_day_rank),
        row_number() over (
            partition by alert_day order by score desc, event_at asc, event_uid asc, activity_kind asc
        ) as daily_rank
    from user_days
    where user_day_rank = 1
),

raised as (
    select
        model_name || ':' || coalesce(user_key, '') || ':' || strftime(alert_day, '%Y-%m-%d') as alert_id,
        *,
        case
            when score_percentile >= {{ critical }} then 'critical'
            when score_percentile >= {{ high }} then 'high'
            else 'medium'
        end as severity
    from ranked
    {% if budget is not none -%}
        where daily_rank <= {{ budget }}
    {%- endif %}
),

revisited as (
    {% if is_incremental() -%}
        select previous.*
        from previous
        inner join affected_days
            on previous.alert_day = affected_days.alert_day
    {%- else -%}
        -- a first build revisits nothing
        select
            raised.* exclude (dbt_invocation_id),
            {{ history_columns }}
        from raised
        where false
    {%- endif %}
),

final as (
    select
        coalesce(raised.alert_id, revisited.alert_id) as alert_id,
        {% for column in alert_columns -%}
            case when {{ is_raised }} then raised.{{ column }} else revisited.{{ column }} end as {{ column }},
        {% endfor -%}
        case when {{ is_raised }} then 'raised' else 'withdrawn' end as status,
        {{ threshold }}::double as threshold,
        {{ budget if budget is not none else 'null' }}::integer as daily_budget,
        {{ critical }}::double as critical_percentile,
        {{ high }}::double as high_percentile,
        case when {{ is_new }} then {{ secfeat.build_started_at() }} else revisited.first_raised_at end
            as first_raised_at,
        case when {{ is_new }} then raised.model_version else revisited.first_model_version end
            as first_model_version,
        case when {{ is_new }} then raised.event_uid else revisited.first_event_uid end as first_event_uid,
        case when {{ is_new }} then raised.score else revisited.first_score end as first_score,
        case
            when {{ is_new }} or {{ is_changed }} or {{ is_withdrawn }} then {{ secfeat.build_started_at() }}
            else revisited.last_changed_at
        end as last_changed_at,
        case
            when {{ is_new }} then 0
            when {{ is_changed }} or {{ is_withdrawn }} then revisited.times_rescored + 1
            else revisited.times_rescored
        end as times_rescored,
        case
            when {{ is_withdrawn }} then {{ secfeat.build_started_at() }}
            when {{ is_raised }} then null::timestamp
            else revisited.withdrawn_at
        end as withdrawn_at,
        scores_through.scores_through,
        case
            when {{ is_new }} or {{ is_changed }} or {{ is_withdrawn }} then '{{ invocation_id }}'
            else revisited.dbt_invocation_id
        end as dbt_invocation_id
    from raised
    full outer join revisited
        on raised.alert_id = revisited.alert_id
    cross join scores_through
)

select * from final
