{#- Run at the start of every dbt build, run, test, seed and snapshot: a var
    given with --vars that the project does not declare fails the run, naming
    it, instead of being silently ignored (a misspelled landing_dir would
    otherwise build from the default landing zone). `declared` lists the vars
    of dbt_project.yml; tests/python/test_cli.py fails when they drift apart. -#}
{% macro reject_unknown_vars() -%}
    {%- set declared = [
        'landing_dir', 'windows_time_zone', 'syslog_year', 'syslog_time_zone', 'max_clock_skew_minutes',
        'event_time_floor', 'windows_ignored_event_ids', 'okta_ignored_event_type_prefixes',
        'entra_interrupt_error_codes', 'entra_failure_error_codes', 'ocsf_parquet_dir', 'as_of',
        'pseudonymize_identifiers', 'retention_days', 'privileged_role_uid_pattern', 'rare_process_max_devices',
        'rare_process_max_users', 'incremental_joined_probes_max', 'mlflow_tracking_dir', 'login_model_name',
        'login_model_algorithm', 'evaluation_top_k', 'alert_threshold', 'alert_severity_percentiles',
        'monitoring_window_hours', 'psi_alert_threshold', 'training_negative_sample_rate', 'alert_detection_kinds',
        'alert_incident_gap_minutes', 'alerts_daily_budget', 'alert_min_severity', 'disabled_detections',
        'false_positive_hold_days', 'risk_severity_weights', 'risk_half_life_hours', 'risk_alert_threshold',
        'rare_process_min_reporting_devices', 'replay', 'unsupervised_alert_percentile',
    ] -%}
    {%- set given = invocation_args_dict.get('vars') or {} -%}
    {%- if given is string -%}
        {%- set given = fromyaml(given) or {} -%}
    {%- endif -%}
    {%- set unknown = given.keys() | reject('in', declared) | list -%}
    {%- if unknown -%}
        {{ exceptions.raise_compiler_error(
            "unknown var" ~ ('s ' if unknown | length > 1 else ' ') ~ unknown | join(', ')
            ~ ": dbt_project.yml declares " ~ declared | join(', ')) }}
    {%- endif -%}
{%- endmacro %}
