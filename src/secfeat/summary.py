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

    if not _table_exists(con, "ml_login_alerts"):
        say("\n(no alerts table yet)")
        return 0
    say()
    run = con.sql("select * from ml_login_model_training").df().iloc[0]
    auc = "n/a" if run["roc_auc"] is None or run["roc_auc"] != run["roc_auc"] else f"{run['roc_auc']:.3f}"
    say(f"== Model {run['model_name']} v{run['model_version']} ({run['model_kind']}): "
        f"ROC AUC on the later period {auc}")
    alerts = _one(con, "select count(*), any_value(threshold) from ml_login_alerts")
    say(f"== Alerts: {alerts[0]:,} at score >= {alerts[1]}; top {top}:")
    rows = con.sql(
        f"""
        select severity, round(score, 4), event_at, user_key, coalesce(src_endpoint_ip, '-'), source_name,
               failed_logins_1h, failed_logins_24h, distinct_src_ips_24h
        from ml_login_alerts order by score desc, event_at limit {int(top)}
        """
    ).fetchall()
    say(f"{'severity':<9}{'score':>7}  {'event at (UTC)':<17}{'user':<22}{'source ip':<17}{'src':<8}"
        f"{'fail1h':>7}{'fail24h':>8}{'ips24h':>7}")
    for sev, score, at, user, ip, source, f1, f24, ips in rows:
        say(f"{sev:<9}{score:>7.4f}  {at:%Y-%m-%d %H:%M}  {user[:21]:<22}{ip:<17}{source:<8}{f1:>7}{f24:>8}{ips:>7}")
    return 0
