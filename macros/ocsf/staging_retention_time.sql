{#- The time a staging row's retention runs from: an event's time for a
    staged event, the landing time of its file for a record that is not one
    (quarantined or ignored: its own time may be missing or absurd). A file's
    past_retention marker has none: it stays while its file version does. -#}
{% macro staging_retention_time() -%}
    case
        when _ignored_reason = 'past_retention' then null
        when _quarantine_reason is null and _ignored_reason is null then event_at
        else _ingested_at
    end
{%- endmacro %}
