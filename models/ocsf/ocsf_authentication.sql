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
with
{% for staging_model in secfeat.ocsf_authentication_sources() %}
    {{ staging_model }} as (
        select {{ secfeat.ocsf_authentication_columns() | join(', ') }}
        from {{ ref(staging_model) }}
        where _quarantine_reason is null and _ignored_reason is null
    ),
{% endfor %}

unioned as (
    {% for staging_model in secfeat.ocsf_authentication_sources() %}
        select * from {{ staging_model }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
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
