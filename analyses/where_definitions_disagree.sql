-- Where two common definitions of "failed logins in a day" disagree, at each
-- logon: secfeat's rolling failed_logins_24h (t - 24h < e <= t) against a
-- calendar-day count (failed_logins_today: since 00:00 UTC of the logon's
-- day), and against a count of every failed Authentication event (Kerberos
-- tickets and NTLM checks too, so one bad password counts twice on Windows).
-- Largest differences first; just after midnight the calendar count resets.
with failed_authentication as (
    select
        user_key,
        event_at,
        activity_id
    from {{ ref('ocsf_authentication') }}
    where status_id = 2 and user_key is not null
),

logons as (
    select
        event_uid,
        user_key,
        event_at,
        failed_logins_24h
    from {{ ref('feat_authentication_events') }}
),

compared as (
    select
        logons.event_uid,
        logons.user_key,
        logons.event_at,
        logons.failed_logins_24h,
        count(
            case
                when
                    failed_authentication.activity_id = 1
                    and failed_authentication.event_at >= date_trunc('day', logons.event_at)
                    then 1
            end
        ) as failed_logins_today,
        count(
            case when failed_authentication.event_at > logons.event_at - interval '24 hours' then 1 end
        ) as failed_authentications_24h
    from logons
    inner join failed_authentication
        on
            logons.user_key = failed_authentication.user_key
            and logons.event_at - interval '48 hours' < failed_authentication.event_at
            and logons.event_at >= failed_authentication.event_at
    group by logons.event_uid, logons.user_key, logons.event_at, logons.failed_logins_24h
)

select
    *,
    failed_logins_24h - failed_logins_today as rolling_minus_calendar,
    failed_authentications_24h - failed_logins_24h as every_class_minus_logons
from compared
where failed_logins_24h != failed_logins_today or failed_authentications_24h != failed_logins_24h
order by greatest(abs(rolling_minus_calendar), abs(every_class_minus_logons)) desc, event_at asc
limit 100
