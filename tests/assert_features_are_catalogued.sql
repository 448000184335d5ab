{#-
    The feature catalog holds together with the feature definitions.

    Features are defined once in macros/features/ (the lists of
    feature_catalog(): user_features, user_src_ip_features, src_ip_features)
    and catalogued in the models' YAML, whose feature entries `make generate`
    writes from them: every model or snapshot column named after a feature must
    carry a description and meta entity, window, boundary_rule, ocsf_inputs and
    owner (column `meta:` or `config: meta:`). One row per (node, column,
    problem); none when the catalog is complete and agrees with the macros:
      * description empty;
      * a meta key missing or empty (ocsf_inputs: a non-empty list);
      * meta.window not the macro's window, word for word;
      * meta.entity not that of the macro's list (user | user, src_ip | src_ip),
        so it is also the same in every node;
      * an ocsf_inputs entry that is not '<class>.<ocsf_attribute>' of an OCSF
        model column (the meta.ocsf_attribute of ocsf_<class>);
      * a SQL model that calls a feature list (secfeat.user_features() ...)
        but does not document each of its features;
      * a feature no model or snapshot column documents at all (node: the macro).
    It reads only the graph, never a table.
-#}
{%- set problems = [] -%}
{%- if execute -%}
    {%- set meta_keys = ['entity', 'window', 'boundary_rule', 'ocsf_inputs', 'owner'] -%}
    {%- set feature_lists = [] -%}
    {%- for catalogued in secfeat.feature_catalog() -%}
        {%- do feature_lists.append((catalogued.macro, catalogued.entity, catalogued.features)) -%}
    {%- endfor -%}
    {%- set definitions = {} -%}
    {%- for macro_name, entity, features in feature_lists -%}
        {%- for feature in features -%}
            {%- do definitions.update({feature.name: {
                'macro': macro_name, 'entity': entity, 'window': feature.window,
            }}) -%}
        {%- endfor -%}
    {%- endfor -%}

    {%- set secfeat_nodes = graph.nodes.values()
        | selectattr('package_name', 'equalto', 'secfeat')
        | sort(attribute='unique_id') -%}

    {#- <class>.<ocsf_attribute> of every OCSF model column that names its attribute -#}
    {%- set ocsf_attributes = [] -%}
    {%- for node in secfeat_nodes
            if node.resource_type == 'model' and node.name.startswith('ocsf_') -%}
        {%- for column in node.columns.values() -%}
            {%- set attribute = (column.get('config') or {}).get('meta', {}).get('ocsf_attribute')
                or (column.get('meta') or {}).get('ocsf_attribute') -%}
            {%- if attribute -%}
                {%- do ocsf_attributes.append(node.name[5:] ~ '.' ~ attribute) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}

    {%- set documented = {} -%}
    {%- for node in secfeat_nodes if node.resource_type in ('model', 'snapshot') -%}
        {%- set node_features = [] -%}
        {%- for column in node.columns.values() if (column.name | lower) in definitions -%}
            {%- set feature = column.name | lower -%}
            {%- set definition = definitions[feature] -%}
            {%- do node_features.append(feature) -%}
            {%- do documented.update({feature: true}) -%}
            {%- set meta = {} -%}
            {%- do meta.update(column.get('meta') or {}) -%}
            {%- do meta.update((column.get('config') or {}).get('meta') or {}) -%}

            {%- if (column.description or '') | trim == '' -%}
                {%- do problems.append((node.unique_id, column.name, 'description is empty')) -%}
            {%- endif -%}
            {%- for key in meta_keys -%}
                {%- set value = meta.get(key) -%}
                {%- if value is none
                    or (value is string and value | trim == '')
                    or (value is not string and value is iterable and value | length == 0) -%}
                    {%- do problems.append((node.unique_id, column.name, 'meta.' ~ key ~ ' is missing or empty')) -%}
                {%- endif -%}
            {%- endfor -%}

            {%- set window = meta.get('window') -%}
            {%- if window is not none and window != definition.window -%}
                {%- do problems.append((node.unique_id, column.name,
                    "meta.window is '" ~ window ~ "' but " ~ definition.macro ~ "() says '" ~ definition.window ~ "'")) -%}
            {%- endif -%}

            {%- set entity = meta.get('entity') -%}
            {%- if entity is not none and entity is not string and entity is iterable -%}
                {%- set entity = entity | join(', ') -%}
            {%- endif -%}
            {%- if entity and entity != definition.entity -%}
                {%- do problems.append((node.unique_id, column.name,
                    "meta.entity is '" ~ entity ~ "' but features of " ~ definition.macro
                    ~ "() have entity '" ~ definition.entity ~ "' in every node")) -%}
            {%- endif -%}

            {%- set ocsf_inputs = meta.get('ocsf_inputs') -%}
            {%- if ocsf_inputs is string -%}
                {%- do problems.append((node.unique_id, column.name, 'meta.ocsf_inputs is not a list')) -%}
            {%- elif ocsf_inputs is iterable and ocsf_inputs is not mapping -%}
                {%- for ocsf_input in ocsf_inputs if ocsf_input not in ocsf_attributes -%}
                    {%- do problems.append((node.unique_id, column.name,
                        "meta.ocsf_inputs has '" ~ ocsf_input ~ "', no OCSF model column's <class>.<ocsf_attribute>")) -%}
                {%- endfor -%}
            {%- endif -%}
        {%- endfor -%}

        {#- a SQL model computing a feature list documents all of its features -#}
        {%- if node.resource_type == 'model' and node.language == 'sql' -%}
            {%- for macro_name, entity, features in feature_lists
                    if ('secfeat.' ~ macro_name ~ '()') in node.raw_code -%}
                {%- for feature in features if feature.name not in node_features -%}
                    {%- do problems.append((node.unique_id, feature.name,
                        'computed by ' ~ macro_name ~ '() here but not documented in the YAML')) -%}
                {%- endfor -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endfor -%}

    {%- for feature, definition in definitions.items() | sort if feature not in documented -%}
        {%- do problems.append(('macro.secfeat.' ~ definition.macro, feature,
            'defined in ' ~ definition.macro ~ '() but documented in no model or snapshot column')) -%}
    {%- endfor -%}
{%- endif -%}

{%- for node_unique_id, column_name, problem in problems %}
    select
        '{{ node_unique_id | replace("'", "''") }}' as node_unique_id,
        '{{ column_name | replace("'", "''") }}' as column_name,
        '{{ problem | replace("'", "''") }}' as problem
    {% if not loop.last %}union all{% endif %}
{%- else %}
    select
        null::varchar as node_unique_id,
        null::varchar as column_name,
        null::varchar as problem
    where false
{%- endfor %}
