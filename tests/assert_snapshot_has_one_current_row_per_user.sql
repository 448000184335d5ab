-- Every user of feat_user_latest has exactly one current row in its snapshot
with latest as (
    select * from {{ ref('feat_user_latest') }}
),

current_rows as (
    select * from {{ ref('snap_user_latest_features') }}
    where dbt_valid_to is null
),

current_row_counts as (
    select
        latest.user_key,
        count(current_rows.user_key) as current_row_count
    from latest
    left join current_rows
        on latest.user_key = current_rows.user_key
    group by 1
)

select *
from current_row_counts
where current_row_count != 1
