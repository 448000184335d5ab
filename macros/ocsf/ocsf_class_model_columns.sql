{#- The columns of an OCSF class model, in order, each {name, type, ocsf}
    (ocsf: the OCSF attribute path, none for the warehouse's own columns): its
    key, each id followed by its caption, the class's columns, metadata,
    lineage. The model and its generated YAML (the dbt contract) use this list. -#}
{% macro ocsf_class_model_columns(ocsf_class) -%}
    {%- set contract = secfeat.ocsf_contract() -%}
    {%- set id_captions = {
        'class_uid': 'class_name', 'category_uid': 'category_name', 'activity_id': 'activity_name',
        'type_uid': 'type_name',
    } -%}
    {%- set columns = [
        {'name': 'event_uid', 'type': 'varchar', 'ocsf': none},
        {'name': 'user_key', 'type': 'varchar', 'ocsf': none},
        {'name': 'source_name', 'type': 'varchar', 'ocsf': none},
    ] -%}
    {%- set body = contract.base_columns + contract.classes[ocsf_class].columns -%}
    {%- for name in body if name != 'event_uid' and not name.startswith('metadata_') -%}
        {%- set spec = contract.columns[name] -%}
        {%- if name == 'event_at' -%}
            {%- do columns.append({'name': 'time', 'type': 'bigint', 'ocsf': 'time'}) -%}
        {%- endif -%}
        {%- do columns.append({'name': name, 'type': spec.type, 'ocsf': spec.get('ocsf')}) -%}
        {%- if name in id_captions -%}
            {%- do columns.append({'name': id_captions[name], 'type': 'varchar', 'ocsf': id_captions[name]}) -%}
        {%- elif spec.get('caption') -%}
            {%- do columns.append({'name': spec.caption, 'type': 'varchar', 'ocsf': spec.ocsf[:-3]}) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for name in body if name.startswith('metadata_') -%}
        {%- do columns.append({'name': name, 'type': contract.columns[name].type, 'ocsf': contract.columns[name].ocsf}) -%}
    {%- endfor -%}
    {%- for name in ['_source_file', '_source_file_version', '_source_line', '_source_record', '_ingested_at', '_loaded_at'] -%}
        {%- do columns.append({'name': name, 'type': contract.lineage[name].type, 'ocsf': none}) -%}
    {%- endfor -%}
    {{ return(columns) }}
{%- endmacro %}
