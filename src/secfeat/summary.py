"""A short, readable account of what the last build produced.

Every figure comes from the report models (models/reports/): this module only
reads them, in order, and formats them."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

# the reports of the sections every build has: landing zone, OCSF, features
_BASE_REPORTS = ("report_landing_by_source", "report_landing_by_reason", "report_landing_by_shape",
                 "report_ocsf_events_by_class", "report_feature_coverage")


def _table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    query = f"select count(*) from information_schema.tables where table_schema = 'main' and table_name = '{name}'"
    return con.sql(query).fetchall()[0][0] > 0


def _read(con: duckdb.DuckDBPyConnection, report: str, order_by: str = "") -> list[dict]:
    """The rows of a report model, as dicts by column name."""
    relation = con.sql(f"select * from {report}" + (f" order by {order_by}" if order_by else ""))
    return [dict(zip(relation.columns, row)) for row in relation.fetchall()]


def _reports_missing(con: duckdb.DuckDBPyConnection, *reports: str) -> str | None:
    """None when all the reports are built, else what to run."""
    missing = [report for report in reports if not _table_exists(con, report)]
    return f"({', '.join(missing)} not built yet: dbt build --select reports)" if missing else None


def print_summary(database: Path, top: int = 10, out=sys.stdout) -> int:
    """What the published build of `database` holds: what readers see, even
    while the next build runs."""
    from secfeat import warehouse

    if not Path(database).exists():
        print(f"error: no warehouse at {database}; run `make demo` (or secfeat build) first", file=sys.stderr)
        return 2
    try:
        con = warehouse.connect(database)
    except warehouse.NothingPublished as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        return _print(con, top, out)
    finally:
        con.close()


def _print(con: duckdb.DuckDBPyConnection, top: int, out) -> int:
    def say(text: str = "") -> None:
        print(text, file=out)

    missing = [report for report in _BASE_REPORTS if not _table_exists(con, report)]
    if missing:
        print(f"error: no {', '.join(missing)} in the warehouse; build the reports: dbt build --select reports",
              file=sys.stderr)
        return 2

    say("== Landing zone: every raw record accounted for")
    say(f"{'source':<17}{'records':>10}{'staged':>10}{'events':>10}{'dupes':>8}{'quarant.':>10}{'ignored':>10}")
    for row in _read(con, "report_landing_by_source", "source_name"):
        say(f"{row['source_name']:<17}{row['raw_records']:>10,}{row['staged_records']:>10,}"
            f"{row['staged_events']:>10,}{row['duplicate_records']:>8,}{row['quarantined_records']:>10,}"
            f"{row['ignored_records']:>10,}")
    reasons = _read(con, "report_landing_by_reason", "raw_records desc, source_name, reason")
    for title, outcome in (("Quarantined", "quarantined"), ("Ignored", "ignored")):
        listed = ", ".join(f"{row['source_name']}:{row['reason']} {row['raw_records']:,}"
                           for row in reasons if row["outcome"] == outcome)
        say(f"{title} by reason: " + (listed or "none"))
    shapes = _read(con, "report_landing_by_shape", "source_name, raw_records desc")
    say("Shapes: " + (", ".join(f"{row['source_name']}:{row['source_shape'] or 'none'} {row['raw_records']:,}"
                                for row in shapes) or "none"))

    say()
    say("== OCSF events by class and status")
    say(f"{'source':<17}{'class: activity':<42}{'success':>9}{'failure':>9}{'other':>8}  first .. last (UTC)")
    for row in _read(con, "report_ocsf_events_by_class", "source_name, class_name, activity_name"):
        say(f"{row['source_name']:<17}{(row['class_name'] + ': ' + row['activity_name'])[:41]:<42}"
            f"{row['success_events']:>9,}{row['failure_events']:>9,}{row['other_events']:>8,}  "
            f"{row['first_event_at']:%Y-%m-%d %H:%M} .. {row['last_event_at']:%Y-%m-%d %H:%M}")

    say()
    say("== Features")
    coverage, = _read(con, "report_feature_coverage")
    say(f"feat_authentication_events: {coverage['logons']:,} logons of {coverage['logon_users']:,} users "
        f"from {coverage['logon_src_ips']:,} source IPs")
    say(f"feat_user_latest, feat_src_ip_latest: {coverage['latest_users']:,} users, "
        f"{coverage['latest_src_ips']:,} source IPs as of {coverage['latest_as_of_at']:%Y-%m-%d %H:%M} UTC")
    if _table_exists(con, "report_training_labels_by_source"):
        for row in _read(con, "report_training_labels_by_source", "label_source"):
            say(f"feat_login_training_set (last training run), {row['label_source']} labels: {row['labels']:,} "
                f"({row['positive_labels']:,} positive)")

    if not _table_exists(con, "ml_login_model_training"):
        say("\n(no model trained in this warehouse yet: secfeat train)")
    elif missing := _reports_missing(con, "report_model_training"):
        say("\n(" + missing[1:-1].replace("dbt build --select reports", "secfeat train") + ")")
    else:
        say()
        _print_model(con, say)
    if not _table_exists(con, "signals"):
        say("\n(no signals yet: promote a champion with `secfeat promote`, then build signals and alerts)")
        return 0
    if missing := _reports_missing(con, "report_alerts_overview", "report_alerts"):
        say("\n" + missing)
        return 0
    overview, = _read(con, "report_alerts_overview")
    alerts = _read(con, "report_alerts", "alert_rank")
    say()
    _print_alerts(overview, alerts, say, top)
    say()
    if not overview["alerts"]:
        say("== Detection quality: no alerts to judge")
    elif not _table_exists(con, "ml_login_monitoring"):
        # its reference window is the champion's training cut, which the detection reports need
        say("== Detection quality: needs the champion's training cut: build ml_login_monitoring, then the reports")
    elif missing := _reports_missing(con, "report_detection_quality", "report_alerts_by_technique"):
        say("== Detection quality: " + missing)
    else:
        _print_detection_quality(con, alerts, say)
    if _table_exists(con, "alerts"):
        say()
        if missing := _reports_missing(con, "report_alerts_by_detection", "report_raised_alerts"):
            say("== Alerts of every detection: " + missing)
        else:
            _print_incident_alerts(con, say, top)
    if _table_exists(con, "ml_login_monitoring"):
        say()
        if missing := _reports_missing(con, "report_monitoring_overview", "report_monitoring_meta_alerts"):
            say("== Monitoring: " + missing)
        else:
            _print_monitoring(con, say)
    return 0


def _fmt(value, digits: int = 3) -> str:
    return "n/a" if value is None or value != value else f"{value:.{digits}f}"


def _time(value) -> str:
    return "n/a" if value is None or value != value else f"{value:%Y-%m-%d %H:%M:%S}"


def _print_model(con: duckdb.DuckDBPyConnection, say) -> None:
    run = _read(con, "report_model_training")[0]
    say(f"== Model {run['model_name']}: the last training run registered v{run['model_version']} "
        f"({run['algorithm']}, features {run['feature_definitions_version'][:8]}) on labels "
        f"{run['train_from']:%Y-%m-%d %H:%M} .. {run['train_until']:%Y-%m-%d %H:%M}")
    say(f"   it read {run['training_set_rows']:,} labels ({run['training_set_positives']:,} positive; negatives "
        f"sampled at {run['negative_sample_rate']:g}, weighted back), events loaded through "
        f"{_time(run['features_loaded_through'])}")
    say(f"   on the later period ({run['eval_rows']:,} labels, {run['eval_positives']:,} positive): "
        f"ROC AUC {_fmt(run['roc_auc'])}, precision at {run['evaluation_top_k']} {_fmt(run['precision_at_k'], 2)}, "
        f"incidents caught {_fmt(run['incident_recall'], 2)}")


def _print_alerts(overview: dict, alerts: list[dict], say, top: int) -> None:
    if not overview["alerts"]:
        say("== Alerts: none")
        return
    budget = overview["daily_budget"]
    say(f"== The champion v{overview['model_version']} signalled {overview['alerts']:,} user-days on "
        f"{overview['alert_days']} days at score >= {overview['threshold']} "
        f"(critical {overview['critical_alerts']}, high {overview['high_alerts']}, "
        f"medium {overview['medium_alerts']}; {overview['suppressed_signals']} signals suppressed, "
        f"{overview['withdrawn_alerts']} withdrawn); alerts take at most "
        f"{budget if budget == budget and budget is not None else 'unlimited'} a day; top {top}:")
    say(f"{'severity':<9}{'score':>7}  {'event at (UTC)':<17}{'user':<22}{'source ip':<17}{'src':<17}"
        f"{'fail1h':>7}{'fail24h':>8}{'users1h':>8}")
    for row in alerts[:max(top, 0)]:
        ip, users = row["src_endpoint_ip"], row["distinct_users_failed_1h"]
        say(f"{row['severity']:<9}{row['score']:>7.4f}  {row['event_at']:%Y-%m-%d %H:%M}  {row['user_key'][:21]:<22}"
            f"{'-' if ip is None else ip:<17}{row['source_name']:<17}{row['failed_logins_1h']:>7}"
            f"{row['failed_logins_24h']:>8}{users if users is not None else '-':>8}")


def _print_incident_alerts(con: duckdb.DuckDBPyConnection, say, top: int) -> None:
    """What an analyst works: `alerts`, one per incident across every rule and the model."""
    by_detection = _read(con, "report_alerts_by_detection", "is_all_detections, raised_alerts desc, signals desc, detection")
    every = next(row for row in by_detection if row["is_all_detections"])
    truth = every["incidents_with_activity"] > 0
    say(f"== Alerts of every detection, one per incident (alerts): {every['raised_alerts']:,} raised on "
        f"{every['alert_days']} days within the daily budget, {every['over_budget_alerts']:,} over it")
    width = max([35] + [len(row["detection"] or "") + 1 for row in by_detection])  # compiled Sigma rules' long names
    say(f"{'detection':<{width}}{'kind':<6}{'ATT&CK':<11}{'signals':>8}{'suppr.':>7}{'no base':>8}{'raised':>7}"
        f"{'a day':>6}{'over':>6}" + (f"{'in incid.':>10}{'caught':>7}" if truth else ""))
    for row in by_detection:
        name = "all" if row["is_all_detections"] else row["detection"]
        say(f"{name:<{width}}{row['detection_kind'] or '':<6}{row['attack_technique_uid'] or '':<11}"
            f"{row['signals']:>8,}{row['suppressed_share']:>7.0%}{row['insufficient_baseline_signals']:>8,}"
            f"{row['raised_alerts']:>7,}{row['raised_alerts_per_day']:>6.1f}{row['over_budget_alerts']:>6,}"
            + (f"{row['raised_alerts_in_incidents']:>10,}{row['incidents_caught']:>7,}" if truth else ""))
    if truth:
        say(f"   incidents caught (an evidence event of a raised alert inside the incident window): "
            f"{every['incidents_caught']} of the {every['incidents_with_activity']} with an event "
            f"({every['incidents_caught'] / every['incidents_with_activity']:.0%})")
    if top <= 0 or not every["raised_alerts"]:
        return
    say(f"   the first {top} to work (most severe, then by day and rank):")
    say(f"{'severity':<9}{'day':<11}{'rank':>5}  {'detection':<35}{'entity':<32}{'events':>7}  first event (UTC)"
        + ("  incident" if truth else ""))
    for row in _read(con, "report_raised_alerts", f"alert_rank limit {int(top)}"):
        entity = f"{row['entity_type']} {row['entity_key']}"[:31]
        incident = (f"  {row['incident_id']} {row['technique']}" if row["is_in_incident"] else "  -") if truth else ""
        say(f"{row['severity']:<9}{row['alert_day']:%Y-%m-%d} {row['daily_rank']:>5}  {row['detection'][:34]:<35}"
            f"{entity:<32}{row['event_count']:>7,}  {row['first_event_at']:%Y-%m-%d %H:%M}" + incident)


def _print_detection_quality(con: duckdb.DuckDBPyConnection, alerts: list[dict], say) -> None:
    """Alerts against the generator's ground truth: an alert is right when its
    event lies inside an incident window (feat_login_training_set's labels)."""
    quality, = _read(con, "report_detection_quality")
    if not quality["has_ground_truth"]:
        say("== Detection quality: no ground truth (incidents.csv) in this landing zone")
        return
    say("== Detection quality against the generator's ground truth (an alert is right inside an incident window)")
    for k in sorted({k for k in (10, 25, 100) if k < len(alerts)} | {len(alerts)}):
        at_k = alerts[k - 1]
        say(f"   precision at {k:>3}: {at_k['precision_to_rank']:.2f} ({at_k['alerts_in_incidents_to_rank']} of "
            f"the {k} highest-scoring alerts in incidents)")
    say(f"{'technique':<27}{'incidents':>10}{'with events':>12}{'caught':>8}{'events in incidents':>21}"
        f"{'alerts':>8}   caught after the training cut")
    for row in [*_read(con, "report_alerts_by_technique", "technique"), {**quality, "technique": "all"}]:
        say(f"{row['technique']:<27}{row['incidents']:>10}{row['incidents_with_activity']:>12}"
            f"{row['incidents_caught']:>8}{row['events_in_incidents']:>21}{row['events_alerted']:>8}   "
            f"{row['out_of_sample_incidents_caught']} of {row['out_of_sample_incidents']}")
    rate = quality["incident_catch_rate"]
    share = "n/a" if rate is None else f"{rate:.0%}"
    say(f"   incidents caught (one alert on an event inside the incident window): {quality['incidents_caught']} of "
        f"the {quality['incidents_with_activity']} with an event ({share})"
        + (f"; {quality['incidents_without_activity']} had no event to score" if quality["incidents_without_activity"]
           else ""))
    say(f"   the champion trained on labels up to {quality['champion_trained_until']:%Y-%m-%d %H:%M}; only incidents "
        "after it are out of sample")


def _print_monitoring(con: duckdb.DuckDBPyConnection, say) -> None:
    window, = _read(con, "report_monitoring_overview")
    meta_alerts = window["meta_alerts"]
    say(f"== Monitoring: training window {window['reference_from']:%m-%d %H:%M} .. "
        f"{window['reference_until']:%m-%d %H:%M} vs latest {window['latest_from']:%m-%d %H:%M} .. "
        f"{window['latest_until']:%m-%d %H:%M}; score PSI {_fmt(window['score_psi'])}; "
        f"{meta_alerts} meta-alert{'s' if meta_alerts != 1 else ''}")
    if window["warming_up"]:
        say(f"   not compared yet: {window['warming_up']} (features, or the score) whose windows were still filling "
            f"all through the training window; all comparable from {window['comparable_from']:%Y-%m-%d %H:%M}")
    for row in _read(con, "report_monitoring_meta_alerts", "psi desc nulls last, check_name, subject"):
        say(f"   {row['check_name']} {row['subject']}: {row['meta_alert_reason']} (PSI {_fmt(row['psi'])}; "
            f"{_fmt(row['reference_value'])} -> {_fmt(row['latest_value'])})")
