{#- Fails when the fingerprint of the key a warehouse's identifiers were
    pseudonymized with (`recorded`, none: in plain) differs from this build's
    (`current`): its incremental tables would mix the two. -#}
{% macro check_pseudonymization_key(recorded, current) -%}
    {%- if recorded != current -%}
        {%- set was = 'in plain' if recorded is none else 'under the key of fingerprint ' ~ recorded -%}
        {%- set now = 'in plain' if current is none else 'under the key of fingerprint ' ~ current -%}
        {{ exceptions.raise_compiler_error(
            "this warehouse holds identifiers " ~ was ~ ", and this build would add them " ~ now
            ~ " (var pseudonymize_identifiers or SECFEAT_PSEUDONYMIZATION_KEY changed): its incremental"
            ~ " tables would mix the two. Go back to the setting it was built with, or rebuild it with"
            ~ " `dbt build --full-refresh` (and drop alerts and snap_user_latest_features, which"
            ~ " a full refresh keeps)") }}
    {%- endif -%}
{%- endmacro %}
