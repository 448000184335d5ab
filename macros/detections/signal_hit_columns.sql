{#- The columns every detection model gives a hit (secfeat.detection_hits'
    select list, but _computed_at): what `signals` keeps of each, in order. -#}
{% macro signal_hit_columns() -%}
    {{ return([
        'detection', 'detection_kind', 'title', 'attack_technique_uid', 'attack_technique_name',
        'attack_tactic_uid', 'attack_tactic_name', 'severity', 'severity_id', 'entity_type', 'entity_key',
        'event_uid', 'event_at', 'user_key', 'src_endpoint_ip', 'score', 'model_name', 'model_version',
        'has_baseline',
    ]) }}
{%- endmacro %}
