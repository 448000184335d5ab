"""A short, readable account of what the last build produced."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb


def _rows(con: duckdb.DuckDBPyConnection, query: str) -> list[tuple]:
    return con.sql(query).fetchall()


def _one(con: duckdb.DuckDBPyConnection, query: str) -> tuple:
    return _rows(con, query)[0]


def _table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    query = f"select count(*) from information_schema.tables where table_schema = 'main' and table_name = '{name}'"
    return _one(con, query)[0] > 0


def print_summary(database: Path, top: int = 10, out=sys.stdout) -> int:
    if not Path(database).exists():
        print(f"error: no warehouse at {database}; run `make demo` (or dbt build) first", file=sys.stderr)
        return 2
    # read_only: never hold the writer's lock while someone may be building
    con = duckdb.connect(str(database), read_only=True)
    try:
        return _print(con, top, out)
    finally:
        con.close()


def _print(con: duckdb.DuckDBPyConnection, top: int, out) -> int:
    def say(text: str = "") -> None:
        print(text, file=out)

    say("== Landing zone: every raw record accounted for")
    audit = con.sql(
        """
        select
            source_name,
            sum(record_count) as raw_records,
            sum(record_count) filter (where outcome = 'staged') as staged,
            sum(event_count) as events,
            sum(record_count) filter (where outcome = 'duplicate') as duplicates,
            sum(record_count) filter (where outcome = 'quarantined') as quarantined,
            sum(record_count) filter (where outcome = 'ignored') as ignored
        from landing_audit
        group by source_name
        order by source_name
        """
    ).fetchall()
    say(f"{'source':<11}{'records':>10}{'staged':>10}{'events':>10}{'dupes':>8}{'quarant.':>10}{'ignored':>10}")
    for source, raw, staged, events, dupes, quarantined, ignored in audit:
        say(f"{source:<11}{raw:>10,}{staged or 0:>10,}{events or 0:>10,}{dupes or 0:>8,}{quarantined or 0:>10,}"
            f"{ignored or 0:>10,}")
    for title, outcome in (("Quarantined", "quarantined"), ("Ignored", "ignored")):
        reasons = con.sql(
            f"""
            select source_name || ':' || reason, sum(record_count)::bigint from landing_audit
            where outcome = '{outcome}' group by 1 order by 2 desc, 1
            """
        ).fetchall()
        say(f"{title} by reason: " + (", ".join(f"{r} {n:,}" for r, n in reasons) or "none"))

    say()
    say("== OCSF events by class and status")
    union = " union all ".join(
        f"select source_name, class_name, activity_name, status_id, event_at from ocsf_{name}"
        for name in ("authentication", "authorize_session", "process_activity", "api_activity")
    )
    say(f"{'source':<11}{'class: activity':<42}{'success':>9}{'failure':>9}{'other':>8}  first .. last (UTC)")
    for source, class_name, activity, success, failure, other, first, last in con.sql(
        f"""
        select source_name, class_name, activity_name,
               count(*) filter (where status_id = 1), count(*) filter (where status_id = 2),
               count(*) filter (where status_id not in (1, 2)), min(event_at), max(event_at)
        from ({union}) group by all order by 1, 2, 3
        """
    ).fetchall():
        say(f"{source:<11}{(class_name + ': ' + activity)[:41]:<42}{success:>9,}{failure:>9,}{other:>8,}  "
            f"{first:%Y-%m-%d %H:%M} .. {last:%Y-%m-%d %H:%M}")

    say()
    say("== Features")
    events, users, ips = _one(con, "select count(*), count(distinct user_key), count(distinct src_endpoint_ip) "
                                   "from feat_authentication_events")
    say(f"feat_authentication_events: {events:,} logons of {users:,} users from {ips:,} source IPs")
    latest, as_of = _one(con, "select count(*), max(as_of_at) from feat_user_latest")
    latest_ips, = _one(con, "select count(*) from feat_src_ip_latest")
    say(f"feat_user_latest, feat_src_ip_latest: {latest:,} users, {latest_ips:,} source IPs "
        f"as of {as_of:%Y-%m-%d %H:%M} UTC")
    for source, labels, positives in con.sql(
            "select label_source, count(*), count(*) filter (where is_positive) from feat_login_training_set "
            "group by 1 order by 1").fetchall():
        say(f"feat_login_training_set, {source} labels: {labels:,} ({positives:,} positive)")

    if not _table_exists(con, "ml_login_model_training"):
        say("\n(no model trained yet: build ml_login_model_training)")
        return 0
    say()
    _print_model(con, say)
    if not _table_exists(con, "ml_login_alerts"):
        say("\n(no alerts yet: promote a champion with `secfeat promote`, then build ml_login_alerts)")
        return 0
    say()
    _print_alerts(con, say, top)
    say()
    if _one(con, "select count(*) from ml_login_alerts")[0]:
        _print_detection_quality(con, say)
    else:
        say("== Detection quality: no alerts to judge")
    if _table_exists(con, "ml_login_monitoring"):
        say()
        _print_monitoring(con, say)
    return 0


def _fmt(value, digits: int = 3) -> str:
    return "n/a" if value is None or value != value else f"{value:.{digits}f}"


def _print_model(con: duckdb.DuckDBPyConnection, say) -> None:
    run = con.sql("select * from ml_login_model_training").df().iloc[0]
    say(f"== Model {run['model_name']}: this build trained v{run['model_version']} ({run['algorithm']}, "
        f"features {run['feature_definitions_version'][:8]}) on labels {run['train_from']:%Y-%m-%d %H:%M} .. "
        f"{run['train_until']:%Y-%m-%d %H:%M}")
    say(f"   on the later period ({run['eval_rows']:,} labels, {run['eval_positives']:,} positive): "
        f"ROC AUC {_fmt(run['roc_auc'])}, precision at {run['evaluation_top_k']} {_fmt(run['precision_at_k'], 2)}, "
        f"incidents caught {_fmt(run['incident_recall'], 2)}")


def _print_alerts(con: duckdb.DuckDBPyConnection, say, top: int) -> None:
    count, version, threshold, budget, days = _one(
        con, "select count(*), any_value(model_version), any_value(threshold), any_value(daily_budget), "
             "count(distinct event_at::date) from ml_login_alerts")
    if not count:
        say("== Alerts: none")
        return
    bands = dict(_rows(con, "select severity, count(*) from ml_login_alerts group by 1"))
    say(f"== Alerts by the champion v{version}: {count:,} on {days} days at score >= {threshold}, "
        f"at most {budget if budget == budget and budget is not None else 'unlimited'} a day "
        f"(critical {bands.get('critical', 0)}, high {bands.get('high', 0)}, medium {bands.get('medium', 0)}); "
        f"top {top}:")
    rows = _rows(con, f"""
        select severity, round(score, 4), event_at, user_key, coalesce(src_endpoint_ip, '-'), source_name,
               failed_logins_1h, failed_logins_24h, distinct_users_failed_1h
        from ml_login_alerts order by score desc, event_at limit {int(top)}
        """)
    say(f"{'severity':<9}{'score':>7}  {'event at (UTC)':<17}{'user':<22}{'source ip':<17}{'src':<11}"
        f"{'fail1h':>7}{'fail24h':>8}{'users1h':>8}")
    for sev, score, at, user, ip, source, f1, f24, users in rows:
        say(f"{sev:<9}{score:>7.4f}  {at:%Y-%m-%d %H:%M}  {user[:21]:<22}{ip:<17}{source:<11}{f1:>7}{f24:>8}"
            f"{users if users is not None else '-':>8}")


def _print_detection_quality(con: duckdb.DuckDBPyConnection, say) -> None:
    """Alerts against the generator's ground truth: an alert is right when its
    logon lies inside an incident window (feat_login_training_set's labels)."""
    if not _one(con, "select count(*) from staging.stg_simulation__incidents")[0]:
        say("== Detection quality: no ground truth (incidents.csv) in this landing zone")
        return
    # the champion's training cut (monitoring's reference window), not the version this build trained
    train_until, = _one(con, "select max(reference_until) from ml_login_monitoring"
                             if _table_exists(con, "ml_login_monitoring")
                             else "select max(train_until) from ml_login_model_training")
    labelled = """
        select alerts.event_uid, alerts.score, alerts.event_at, labels.is_positive, labels.incident_id,
               labels.technique
        from ml_login_alerts as alerts
        left join feat_login_training_set as labels
            on alerts.event_uid = labels.event_uid and labels.label_source = 'incident'
    """
    say("== Detection quality against the generator's ground truth (an alert is right inside an incident window)")
    alerts, = _one(con, "select count(*) from ml_login_alerts")
    for k in sorted({k for k in (10, 25, 100) if k < alerts} | {alerts}):
        hits, n = _one(con, f"select count(*) filter (where is_positive), count(*) from "
                            f"(select * from ({labelled}) order by score desc, event_at limit {k})")
        say(f"   precision at {k:>3}: {hits / n:.2f} ({hits} of the {n} highest-scoring alerts in incidents)")
    say(f"{'technique':<21}{'incidents':>10}{'with logons':>12}{'caught':>8}{'logons in incidents':>21}"
        f"{'alerts':>8}   caught after the training cut")
    rows = _rows(con, f"""
        with incidents as (
            select technique, incident_id from staging.stg_simulation__incidents group by all
        ),
        incident_logons as (
            select technique, incident_id, event_uid, label_at from feat_login_training_set
            where label_source = 'incident' and is_positive
        ),
        alerted as (
            select incident_logons.*
            from incident_logons inner join ml_login_alerts using (event_uid)
        ),
        per_technique as (
            select
                incidents.technique,
                count(distinct incidents.incident_id) as incidents,
                count(distinct incident_logons.incident_id) as with_logons,
                count(distinct alerted.incident_id) as caught,
                count(distinct incident_logons.event_uid) as logons,
                count(distinct alerted.event_uid) as logons_alerted,
                count(distinct incident_logons.incident_id)
                    filter (where incident_logons.label_at > '{train_until}') as later_with_logons,
                count(distinct alerted.incident_id) filter (where alerted.label_at > '{train_until}') as later_caught
            from incidents
            left join incident_logons using (incident_id)
            left join alerted using (incident_id)
            group by all
        )
        select * from per_technique order by technique
        """)
    totals = [0] * 7
    for technique, *values in rows:
        totals = [a + b for a, b in zip(totals, values)]
        incidents, with_logons, caught, logons, alerted, later, later_caught = values
        say(f"{technique:<21}{incidents:>10}{with_logons:>12}{caught:>8}{logons:>21}{alerted:>8}   "
            f"{later_caught} of {later}")
    incidents, with_logons, caught, logons, alerted, later, later_caught = totals
    say(f"{'all':<21}{incidents:>10}{with_logons:>12}{caught:>8}{logons:>21}{alerted:>8}   {later_caught} of {later}")
    share = f"{caught / with_logons:.0%}" if with_logons else "n/a"
    say(f"   incidents caught (one alert on a logon inside the incident window): {caught} of the {with_logons} "
        f"with a logon ({share})" + (f"; {incidents - with_logons} had no logon to score" if incidents > with_logons
                                     else ""))
    say(f"   the champion trained on labels up to {train_until:%Y-%m-%d %H:%M}; only incidents after it are "
        "out of sample")


def _print_monitoring(con: duckdb.DuckDBPyConnection, say) -> None:
    (reference_from, reference_until, latest_from, latest_until), = _rows(
        con, "select any_value(reference_from), any_value(reference_until), any_value(latest_from), "
             "any_value(latest_until) from ml_login_monitoring")
    alerts = _rows(con, """
        select check_name, subject, psi, reference_value, latest_value, meta_alert_reason
        from ml_login_monitoring where is_meta_alert order by psi desc nulls last
        """)
    score_psi = _rows(con, "select psi from ml_login_monitoring where check_name = 'distribution' "
                           "and subject = 'score'")
    score_psi = score_psi[0][0] if score_psi else None
    say(f"== Monitoring: training window {reference_from:%m-%d %H:%M} .. {reference_until:%m-%d %H:%M} vs latest "
        f"{latest_from:%m-%d %H:%M} .. {latest_until:%m-%d %H:%M}; score PSI {_fmt(score_psi)}; "
        f"{len(alerts)} meta-alert{'s' if len(alerts) != 1 else ''}")
    for check, subject, psi, reference, latest, reason in alerts:
        say(f"   {check} {subject}: {reason} (PSI {_fmt(psi)}; {_fmt(reference)} -> {_fmt(latest)})")
