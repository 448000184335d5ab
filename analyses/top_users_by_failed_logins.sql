-- Users with the most failed logins in the last 24 hours as of the last build.
select
    user_key,
    as_of_at,
    failed_logins_1h,
    failed_logins_24h,
    distinct_src_ips_24h
from {{ ref('feat_user_latest') }}
where failed_logins_24h > 0
order by failed_logins_24h desc, user_key asc
limit 25
