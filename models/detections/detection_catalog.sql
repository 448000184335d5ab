{{ config(materialized='table') }}
{#- Every detection (the det_* models) as it declares itself in its
    `detection` meta: one row each, so what a rule is travels with its alerts.
    A compiled Sigma rule also names its rule: id, author, licence and where
    it is published, which every alert and exported finding from it keeps
    (SigmaHQ's rules are under the Detection Rule License 1.1: what a rule
    raises keeps its author). -#}
{%- set detections = [] -%}
{%- if execute -%}
    {%- for node in graph.nodes.values() | sort(attribute='name')
            if node.resource_type == 'model' and node.name.startswith('det_') and node.config.meta.detection is defined -%}
        {%- do detections.append(node.config.meta.detection) -%}
    {%- endfor -%}
{%- endif %}
select
    cast(detection as string) as detection,
    cast(origin as string) as origin,
    cast(title as string) as title,
    cast(severity as string) as severity,
    cast(entity as string) as entity,
    cast(attack_technique_uid as string) as attack_technique_uid,
    cast(attack_tactic_uid as string) as attack_tactic_uid,
    cast(rule_uid as string) as rule_uid,
    cast(rule_author as string) as rule_author,
    cast(rule_license as string) as rule_license,
    cast(rule_url as string) as rule_url,
    cast(rule_status as string) as rule_status
from (
    values
    {%- for detection in detections %}
        (
            {{ secfeat.sql_text(detection.get('name')) }},
            '{{ 'sigma' if detection.get('kind') == 'sigma' else 'project' }}',
            {{ secfeat.sql_text(detection.get('title')) }},
            {{ secfeat.sql_text(detection.get('severity')) }},
            {{ secfeat.sql_text(detection.get('entity')) }},
            {{ secfeat.sql_text(detection.get('attack_technique_uid')) }},
            {{ secfeat.sql_text(detection.get('attack_tactic_uid')) }},
            {{ secfeat.sql_text(detection.get('rule_uid')) }},
            {{ secfeat.sql_text(detection.get('rule_author')) }},
            {{ secfeat.sql_text(detection.get('rule_license')) }},
            {{ secfeat.sql_text(detection.get('rule_url')) }},
            {{ secfeat.sql_text(detection.get('rule_status')) }}
        ){{ ',' if not loop.last }}
    {%- else %}
        (null, null, null, null, null, null, null, null, null, null, null, null)
    {%- endfor %}
) as detections (
    detection, origin, title, severity, entity, attack_technique_uid, attack_tactic_uid,
    rule_uid, rule_author, rule_license, rule_url, rule_status
)
where detection is not null
