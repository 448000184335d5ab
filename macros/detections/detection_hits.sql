{#- A detection's hits in the one shape `signals` reads: every row of
    `relation` (event_uid, event_at, src_endpoint_ip, _computed_at, the
    entity's key column) labelled with what the detection is. `detection` is
    the dict a detection model declares once (and also puts in its config
    meta, so the catalog shows it): name, title, attack technique and tactic
    (uid and name), severity (low | medium | high | critical) and entity
    (user | src_ip; record: the user, else the source IP, else the host
    (host_key), as a compiled Sigma rule's hit carries whichever its record has).

    `baseline` is the rule's own guard, a SQL condition on the row: true when
    the data lets the rule judge (enough devices reporting, a day of located
    logons...). A hit without it is still a row, has_baseline false: counted
    as an insufficient-baseline signal, never alerted on.

    A source IP that names the host itself (127.0.0.1: every host has one) is
    no entity to alert on. -#}
{% macro detection_hits(relation, detection, baseline='true', score='null', severity=none) -%}
    {%- set severity_ids = {'low': 2, 'medium': 3, 'high': 4, 'critical': 5} -%}
    {%- set entity_columns = {
        'user': 'user_key', 'src_ip': 'src_endpoint_ip', 'record': 'coalesce(user_key, src_endpoint_ip, host_key)',
    } -%}
    {%- if detection.severity not in severity_ids or detection.entity not in entity_columns -%}
        {{ exceptions.raise_compiler_error(
            "detection " ~ detection.name ~ ": severity must be one of " ~ (severity_ids | list | join(', '))
            ~ " and entity one of " ~ (entity_columns | list | join(', '))
        ) }}
    {%- endif -%}
    select
        '{{ detection.name }}' as detection,
        'rule' as detection_kind,
        {{ secfeat.sql_text(detection.title) }} as title,
        {{ secfeat.sql_text(detection.attack_technique_uid) }} as attack_technique_uid,
        {{ secfeat.sql_text(detection.attack_technique_name) }} as attack_technique_name,
        {{ secfeat.sql_text(detection.attack_tactic_uid) }} as attack_tactic_uid,
        {{ secfeat.sql_text(detection.attack_tactic_name) }} as attack_tactic_name,
        {%- if severity is none %}
            '{{ detection.severity }}' as severity,
            {{ severity_ids[detection.severity] }} as severity_id,
        {%- else %}
            {{ severity }} as severity,
            case {{ severity }}
                {%- for name, severity_id in severity_ids.items() %}
                    when '{{ name }}' then {{ severity_id }}
                {%- endfor %}
            end as severity_id,
        {%- endif %}
        {%- if detection.entity == 'record' %}
            case
                when user_key is not null then 'user'
                when src_endpoint_ip is not null then 'src_ip'
                else 'host'
            end as entity_type,
        {%- else %}
            '{{ detection.entity }}' as entity_type,
        {%- endif %}
        {{ entity_columns[detection.entity] }} as entity_key,
        event_uid,
        event_at,
        user_key,
        src_endpoint_ip,
        cast({{ score }} as double) as score,
        cast(null as string) as model_name,
        cast(null as string) as model_version,
        coalesce({{ baseline }}, false) as has_baseline,
        _computed_at
    from {{ relation }}
    where
        {{ entity_columns[detection.entity] }} is not null
        {%- if detection.entity == 'src_ip' %}
            and not {{ secfeat.is_host_local_ip('src_endpoint_ip') }}
        {%- elif detection.entity == 'record' %}
            and (src_endpoint_ip is null or user_key is not null or not {{ secfeat.is_host_local_ip('src_endpoint_ip') }})
        {%- endif %}
{%- endmacro %}
