{{ config(materialized='view') }}
{#- The user's features at every logon: the logon rows of feat_user_activity_events. -#}
select * exclude (activity_kind, privilege_kind, is_rare_process)
from {{ ref('feat_user_activity_events') }}
where activity_kind = 'logon'
