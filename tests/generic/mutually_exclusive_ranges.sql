{#- dbt-utils' test of the same name and arguments: within each partition, the
    ranges [lower_bound_column, upper_bound_column) never overlap. Bounds are
    SQL expressions, so an open range can read
    upper_bound_column: "coalesce(dbt_valid_to, '9999-12-31')".
    gaps: allowed | not_allowed | required. -#}
{% test mutually_exclusive_ranges(
    model, lower_bound_column, upper_bound_column, partition_by=none, gaps='allowed',
    zero_length_range_allowed=false
) %}
{%- if gaps not in ('allowed', 'not_allowed', 'required') -%}
    {{ exceptions.raise_compiler_error("gaps must be allowed, not_allowed or required") }}
{%- endif -%}
{%- set partition_clause = 'partition by ' ~ partition_by if partition_by else '' -%}
{%- set allowed_gap = {'allowed': '<=', 'not_allowed': '=', 'required': '<'}[gaps] -%}
with ranges as (
    select
        {{ partition_by ~ ',' if partition_by }}
        {{ lower_bound_column }} as lower_bound,
        {{ upper_bound_column }} as upper_bound,
        lead({{ lower_bound_column }}) over (
            {{ partition_clause }} order by {{ lower_bound_column }}, {{ upper_bound_column }}
        ) as next_lower_bound,
        row_number() over (
            {{ partition_clause }} order by {{ lower_bound_column }} desc, {{ upper_bound_column }} desc
        ) = 1 as is_last_range
    from {{ model }}
),

validated as (
    select
        *,
        lower_bound {{ '<=' if zero_length_range_allowed else '<' }} upper_bound as lower_bound_before_upper_bound,
        coalesce(upper_bound {{ allowed_gap }} next_lower_bound, is_last_range) as upper_bound_fits_next_range
    from ranges
)

select *
from validated
where not (lower_bound_before_upper_bound and upper_bound_fits_next_range)
{% endtest %}
