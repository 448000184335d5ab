{#- One row: who and what the feature tables cover, the logons scored and
    the entities with entity-latest features. -#}
with authentication_events as (
    select * from {{ ref('feat_authentication_events') }}
),

user_latest as (
    select * from {{ ref('feat_user_latest') }}
),

src_ip_latest as (
    select * from {{ ref('feat_src_ip_latest') }}
),

logon_coverage as (
    select
        count(*) as logons,
        count(distinct user_key) as logon_users,
        count(distinct src_endpoint_ip) as logon_src_ips
    from authentication_events
),

user_latest_coverage as (
    select
        count(*) as latest_users,
        max(as_of_at) as latest_as_of_at
    from user_latest
),

src_ip_latest_coverage as (
    select count(*) as latest_src_ips
    from src_ip_latest
),

final as (
    select
        logon_coverage.logons,
        logon_coverage.logon_users,
        logon_coverage.logon_src_ips,
        user_latest_coverage.latest_users,
        src_ip_latest_coverage.latest_src_ips,
        user_latest_coverage.latest_as_of_at
    from logon_coverage
    cross join user_latest_coverage
    cross join src_ip_latest_coverage
)

select * from final
