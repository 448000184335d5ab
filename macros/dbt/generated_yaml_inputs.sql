{#- What `make generate` (secfeat.generate_yaml) writes the models' YAML from,
    resolved by the macros that build the models themselves: the OCSF
    contract with each staging and class model's columns, and the feature
    catalog. -#}
{% macro generated_yaml_inputs() -%}
    {%- set contract = secfeat.ocsf_contract() -%}
    {%- set sources = {} -%}
    {%- for name, source in contract.sources.items() -%}
        {%- set columns = [] -%}
        {%- for column in contract.lineage -%}
            {%- do columns.append({'name': column, 'type': contract.lineage[column].type}) -%}
        {%- endfor -%}
        {%- for column in secfeat.ocsf_source_columns(name) -%}
            {%- do columns.append({'name': column, 'type': contract.columns[column].type}) -%}
        {%- endfor -%}
        {%- do sources.update({name: {
            'model': source.model, 'classes': source.classes, 'landing': source.landing, 'columns': columns,
        }}) -%}
    {%- endfor -%}
    {%- set classes = {} -%}
    {%- for name, class in contract.classes.items() -%}
        {%- set columns = [] -%}
        {%- for column in secfeat.ocsf_class_model_columns(name) -%}
            {%- set spec = contract.columns.get(column.name, {}) -%}
            {%- do columns.append({
                'name': column.name, 'type': column.type, 'ocsf': column.ocsf,
                'required': spec.get('required', false), 'accepted_values': spec.get('accepted_values'),
            }) -%}
        {%- endfor -%}
        {%- set class_sources = [] -%}
        {%- for source_name, source in contract.sources.items() if name in source.classes -%}
            {%- do class_sources.append(source_name) -%}
        {%- endfor -%}
        {%- do classes.update({name: {
            'class_uid': class.class_uid, 'class_name': class.class_name, 'description': class.description,
            'user_key_required': class.get('user_key_required', true),
            'sources': class_sources,
            'columns': columns,
        }}) -%}
    {%- endfor -%}
    {{ return({
        'ocsf_version': contract.ocsf_version,
        'sources': sources,
        'classes': classes,
        'feature_catalog': secfeat.feature_catalog(),
    }) }}
{%- endmacro %}
