{#- Quarantine rule shared by every source: an event stamped later than its
    file's landing (plus the allowed clock skew) cannot be trusted. -#}
{% macro is_from_the_future(event_at, ingested_at) -%}
    ({{ event_at }} > {{ ingested_at }} + interval '{{ var("max_clock_skew_minutes") }} minutes')
{%- endmacro %}
