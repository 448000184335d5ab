{#-
    OCSF Authentication (3002) events from every vendor, one row per event.
    The same event landed twice (a file re-delivered, or an event repeated in
    two files) is kept once: its first landing wins.
-#}
{%- set output_columns = ['event_uid', 'user_key'] -%}
{%- for column in secfeat.ocsf_authentication_columns() if column != 'event_uid' -%}
    {%- if column == 'event_at' %}{% do output_columns.append('time') %}{% endif -%}
    {%- do output_columns.append(column) -%}
{%- endfor %}
with unioned as (
    {{ secfeat.union_authentication_staging(
        columns=secfeat.ocsf_authentication_columns(),
        where='_quarantine_reason is null and _ignored_reason is null',
    ) }}
),

deduplicated as (
    select
        *,
        -- the key features are computed per; identities differ in case across vendors
        lower(user_name) as user_key,
        epoch_ms(event_at) as time
    from unioned
    qualify row_number() over (
        partition by event_uid order by _ingested_at, _source_file, _source_line
    ) = 1
),

final as (
    select
        {{ output_columns | join(',\n        ') }}
    from deduplicated
)

select * from final
