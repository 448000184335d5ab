{#- The OCSF schema version every staged row conforms to. -#}
{% macro ocsf_version() -%}
    '1.8.0'
{%- endmacro %}


{#- A vendor's "no value" markers ('-', '', whitespace) as SQL null. -#}
{% macro null_if_blank(expression) -%}
    nullif(nullif(trim({{ expression }}), '-'), '')
{%- endmacro %}


{#- An IP address as text, IPv4-mapped IPv6 (::ffff:1.2.3.4) folded to IPv4.
    Null when absent; use is_unparseable_ip() to tell absent from garbage. -#}
{% macro normalize_ip(expression) -%}
    regexp_replace(lower({{ secfeat.null_if_blank(expression) }}), '^::ffff:', '')
{%- endmacro %}


{% macro is_unparseable_ip(expression) -%}
    (
        {{ secfeat.normalize_ip(expression) }} is not null
        and not regexp_full_match(
            {{ secfeat.normalize_ip(expression) }},
            '((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])'
        )
        and not regexp_full_match({{ secfeat.normalize_ip(expression) }}, '[0-9a-f:]*:[0-9a-f:.]*(%[0-9a-z]+)?')
    )
{%- endmacro %}


{#- A naive local timestamp read in `zone`, returned as naive UTC. -#}
{% macro local_to_utc(timestamp_expression, zone) -%}
    {{ return(adapter.dispatch('local_to_utc', 'secfeat')(timestamp_expression, zone)) }}
{%- endmacro %}

{% macro default__local_to_utc(timestamp_expression, zone) -%}
    convert_timezone('{{ zone }}', 'UTC', {{ timestamp_expression }})
{%- endmacro %}

{% macro duckdb__local_to_utc(timestamp_expression, zone) -%}
    timezone('UTC', timezone('{{ zone }}', {{ timestamp_expression }}))
{%- endmacro %}


{#- Quarantine rule shared by every source: an event stamped later than its
    file's landing (plus the allowed clock skew) cannot be trusted. -#}
{% macro is_from_the_future(event_at, ingested_at) -%}
    ({{ event_at }} > {{ ingested_at }} + interval '{{ var("max_clock_skew_minutes") }} minutes')
{%- endmacro %}


{#- Milliseconds since the Unix epoch (OCSF `time`) of a UTC timestamp. -#}
{% macro epoch_milliseconds(timestamp_expression) -%}
    ({{ secfeat.epoch_microseconds(timestamp_expression) }} // 1000)
{%- endmacro %}


{#- An ISO 8601 text timestamp with or without an offset ('Z', '+00:00',
    '-05:00'), as naive UTC; null when it does not parse. Text without an
    offset is read as UTC. -#}
{% macro iso_to_utc(text_expression) -%}
    {{ return(adapter.dispatch('iso_to_utc', 'secfeat')(text_expression)) }}
{%- endmacro %}

{% macro default__iso_to_utc(text_expression) -%}
    convert_timezone('UTC', try_to_timestamp_tz({{ text_expression }}))::timestamp_ntz
{%- endmacro %}

{% macro duckdb__iso_to_utc(text_expression) -%}
    timezone('UTC', try_cast({{ text_expression }} as timestamptz))
{%- endmacro %}
