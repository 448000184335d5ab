-- Users with the most failed logins in the 24 hours up to the last build's
-- as-of time, with the rest of their features for context.
select
    user_key,
    as_of_at,
    failed_logins_1h,
    failed_logins_24h,
    distinct_src_ips_24h,
    login_geo_diversity_7d,
    privileged_action_count_24h,
    rare_process_count_24h
from {{ ref('feat_user_latest') }}
where failed_logins_24h > 0
order by failed_logins_24h desc, user_key asc
limit 25
