"""The unified alerts on a real build (one per incident, the daily budget,
determinism), the evaluation's matching of alerts to ground truth on
hand-made tables, and `secfeat evaluate` end to end on a small org."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pytest

from conftest import PROJECT_ROOT, DbtProject
from secfeat.evaluate import MIXES, Org, evaluate, match_alerts, report
from secfeat.warehouse import connect_build

pytestmark = pytest.mark.dbt

ALERT_ORDER = "order by alert_id"


def _alerts(project: DbtProject) -> list[tuple]:
    return project.query(f"select * from alerts {ALERT_ORDER}")


def test_the_same_events_give_the_same_alerts(demo_build):
    before = _alerts(demo_build)
    assert before, "the demo build raises alerts"
    demo_build.run("build", "--select", "alerts", "--indirect-selection", "cautious")
    assert _alerts(demo_build) == before


def test_the_daily_budget_raises_the_most_severe_first(demo_build):
    budget = 20
    days = demo_build.query("""
        select alert_day,
               count(*) filter (where status = 'raised'),
               coalesce(min(severity_id) filter (where status = 'raised'), 0),
               coalesce(max(severity_id) filter (where status = 'over_budget'), 0),
               bool_and((status = 'raised') = (daily_rank <= 20))
        from alerts group by alert_day""")
    assert days
    for day, raised, least_severe_raised, most_severe_left, ranked in days:
        assert raised <= budget, day
        assert ranked, day
        assert most_severe_left <= least_severe_raised, day


def test_one_password_spray_is_one_alert_on_its_source_ip(demo_build):
    truth = Path(demo_build.vars["landing_dir"]) / "incidents.csv"
    sprays = [row for row in csv.DictReader(truth.open()) if row["technique"] == "password_spray"]
    assert sprays
    for spray in sprays:
        on_ip = demo_build.query(
            "select count(*) from alerts where entity_type = 'src_ip' and entity_key = ? "
            "and first_event_at <= cast(? as timestamp) and last_event_at >= cast(? as timestamp)"
            .replace("?", "'{}'").format(spray["entity"], spray["end_at"], spray["start_at"]))
        assert on_ip == [(1,)], spray
        # none of the sprayed accounts' logons from that address alerts on its own
        (user_alerts,), = demo_build.query(f"""
            select count(*) from alerts, unnest(evidence_event_uids) as evidence(event_uid)
            join ocsf_authentication using (event_uid)
            where alerts.entity_type = 'user' and ocsf_authentication.src_endpoint_ip = '{spray["entity"]}'
                and ocsf_authentication.event_at between '{spray["start_at"]}' and '{spray["end_at"]}'""")
        assert user_alerts == 0, spray


def test_every_alert_names_its_detections_and_evidence(demo_build):
    rows = demo_build.query("""
        select alert_id, detection, detections, event_count, len(evidence_event_uids), attack_technique_uid
        from alerts""")
    for alert_id, detection, detections, event_count, evidence, technique in rows:
        assert detection in detections, alert_id
        assert 1 <= evidence <= min(event_count, 100), alert_id
        assert technique.startswith("T"), alert_id


def test_the_summary_reports_count_what_alerts_holds(demo_build):
    """report_alerts_by_detection and report_raised_alerts (what `secfeat
    summary` prints of every detection's alerts) against the alerts table and
    the ground truth, counted here row by row."""
    import io

    from secfeat.summary import _print

    incidents_of: dict[str, set[str]] = {}
    for event_uid, incident_id in demo_build.query("select event_uid, incident_id from ml_incident_activity"):
        incidents_of.setdefault(event_uid, set()).add(incident_id)
    expected: dict[str | None, dict] = {}
    raised_in_incident: dict[str, bool] = {}
    for alert_id, detection, status, day, evidence in demo_build.query(
            "select alert_id, detection, status, alert_day, evidence_event_uids from alerts"):
        caught = set().union(*(incidents_of.get(uid, set()) for uid in evidence)) if status == "raised" else set()
        if status == "raised":
            raised_in_incident[alert_id] = bool(caught)
        for key in (detection, None):
            counts = expected.setdefault(key, {"raised": 0, "over_budget": 0, "days": set(), "in_incidents": 0,
                                               "incidents": set()})
            counts["raised" if status == "raised" else "over_budget"] += 1
            if status == "raised":
                counts["days"].add(day)
                counts["in_incidents"] += bool(caught)
                counts["incidents"] |= caught
    reported = {row[0]: row[1:] for row in demo_build.query(
        "select case when is_all_detections then null else detection end, raised_alerts, over_budget_alerts, "
        "alert_days, raised_alerts_in_incidents, incidents_caught from report_alerts_by_detection "
        "where is_all_detections or raised_alerts + over_budget_alerts > 0")}
    assert reported == {key: (c["raised"], c["over_budget"], len(c["days"]), c["in_incidents"], len(c["incidents"]))
                        for key, c in expected.items()}
    # and every detection's signals, by verdict, counted from the signals row by row
    signals: dict[str | None, list[int]] = {}
    for detection, verdict in demo_build.query("select detection, verdict from triaged_signals"):
        if verdict == "withdrawn":
            continue
        for key in (detection, None):
            counts = signals.setdefault(key, [0, 0, 0])
            counts[0] += 1
            counts[1] += verdict == "suppressed"
            counts[2] += verdict == "insufficient_baseline"
    reported_signals = {row[0]: list(row[1:]) for row in demo_build.query(
        "select case when is_all_detections then null else detection end, signals, suppressed_signals, "
        "insufficient_baseline_signals from report_alerts_by_detection where signals > 0")}
    assert reported_signals == signals
    assert expected[None]["in_incidents"] and expected[None]["in_incidents"] < expected[None]["raised"]

    ranked = demo_build.query("select alert_id, is_in_incident, alerts.severity_id, alerts.alert_day, alerts.daily_rank "
                              "from report_raised_alerts inner join alerts using (alert_id) order by alert_rank")
    assert {alert_id: hit for alert_id, hit, *_ in ranked} == raised_in_incident
    keys = [(-severity, day, rank) for _, _, severity, day, rank in ranked]
    assert keys == sorted(keys)

    # and the summary prints them (from the build warehouse here: it reads the same reports)
    out = io.StringIO()
    con = connect_build(demo_build.database)
    try:
        assert _print(con, top=5, out=out) == 0
    finally:
        con.close()
    printed = out.getvalue()
    every = expected[None]
    assert (f"(alerts): {every['raised']:,} raised on {len(every['days'])} days within the daily budget, "
            f"{every['over_budget']:,} over it") in printed
    assert f"{len(every['incidents'])} of the " in printed


def test_the_built_alerts_export_as_conforming_detection_findings(demo_build):
    import io
    from datetime import datetime

    from secfeat.export_alerts import write_findings
    from test_export_alerts import check_findings_conform

    con = connect_build(demo_build.database)
    try:
        out = io.StringIO()
        exported = write_findings(con, out, datetime(2000, 1, 1), include_over_budget=True)
        (alerts,), = con.execute("select count(*) from alerts where status != 'withdrawn'").fetchall()
    finally:
        con.close()
    assert exported == alerts > 0
    findings = check_findings_conform(out.getvalue())
    assert {finding["class_uid"] for finding in findings} == {2004}


def test_a_replay_equals_what_the_scheduled_builds_produced(demo_build, capsys):
    """`secfeat detections replay` over the whole stored history writes the
    same signals (verdicts included) and alerts as the live build, into the
    schema replay, leaving the live tables as they were; over a part of it,
    the signals of that part."""
    from secfeat.cli import main as secfeat_main

    signal_columns = "detection, event_uid, severity_id, has_baseline, withdrawn_at is null"
    alert_columns = "alert_id, status, detection, detections, event_count, daily_rank, severity, entity_risk"
    live_signals = sorted(demo_build.query(f"select {signal_columns}, verdict from triaged_signals"))
    live_alerts = sorted(demo_build.query(f"select {alert_columns} from alerts where status != 'withdrawn'"))
    assert live_signals and live_alerts

    def replay(since: str, until: str, *more: str) -> int:
        return secfeat_main(["detections", "replay", "--since", since, "--until", until, "--duckdb",
                             str(demo_build.database), "--project-dir", str(PROJECT_ROOT),
                             "--vars", json.dumps(demo_build.vars), *more])

    assert replay("2000-01-01", "2100-01-01") == 0
    assert sorted(demo_build.query(f"select {signal_columns}, verdict from replay.triaged_signals")) == live_signals
    assert sorted(demo_build.query(f"select {alert_columns} from replay.alerts")) == live_alerts
    assert sorted(demo_build.query(f"select {signal_columns}, verdict from main.triaged_signals")) == live_signals
    printed = capsys.readouterr().out
    assert "schema replay; live tables untouched" in printed

    (middle,), = demo_build.query("select min(event_at) + (max(event_at) - min(event_at)) / 2 from signals")
    since = f"{middle:%Y-%m-%d %H:%M:%S}"
    assert replay(since, "2100-01-01", "--detection", "login_risk_model") == 0
    assert sorted(demo_build.query(f"select {signal_columns} from replay.signals")) == sorted(demo_build.query(
        f"select {signal_columns} from signals where event_at >= '{since}'"))
    printed = capsys.readouterr().out
    assert "login_risk_model" in printed and "brute_force " not in printed
    assert replay("2026-01-02", "2026-01-01") == 2


# ------------------------------------------------------------ matching alerts to the truth


def _matching_warehouse(tmp_path: Path) -> tuple[duckdb.DuckDBPyConnection, Path]:
    con = duckdb.connect()
    con.execute("""create table alerts as select * from (values
        ('A-user', 'raised', 'user', 'alice', timestamp '2026-01-02 10:00', timestamp '2026-01-02 10:30', ['e1']),
        ('A-late', 'raised', 'user', 'alice', timestamp '2026-01-02 13:00', timestamp '2026-01-02 13:10', ['e9']),
        ('A-ip', 'raised', 'src_ip', '6.6.6.6', timestamp '2026-01-03 01:00', timestamp '2026-01-03 02:00', ['e2']),
        ('A-via-evidence', 'raised', 'user', 'bob', timestamp '2026-01-04 05:00', timestamp '2026-01-04 05:01', ['e3']),
        ('A-over', 'over_budget', 'user', 'carol', timestamp '2026-01-05 05:00', timestamp '2026-01-05 05:01', ['e4'])
        ) as t(alert_id, status, entity_type, entity_key, first_event_at, last_event_at, evidence_event_uids)""")
    con.execute("""create table ocsf_authentication as select * from (values
        ('e1', 'alice', '1.1.1.1', timestamp '2026-01-02 10:00', null),
        ('e9', 'alice', '1.1.1.1', timestamp '2026-01-02 13:00', null),
        ('e2', 'zed', '6.6.6.6', timestamp '2026-01-03 01:00', null),
        ('e3', 'bob', '7.7.7.7', timestamp '2026-01-04 05:00', null),
        ('e4', 'carol', '8.8.8.8', timestamp '2026-01-05 05:00', null)
        ) as t(event_uid, user_key, src_endpoint_ip, event_at, actor_user_name)""")
    for table in ("ocsf_api_activity", "ocsf_process_activity", "ocsf_authorize_session"):
        con.execute(f"create table {table} (event_uid varchar, user_key varchar, src_endpoint_ip varchar, "
                    "event_at timestamp, actor_user_name varchar)")
    truth = tmp_path / "incidents.csv"
    truth.write_text(
        "incident_id,technique,entity_type,entity,start_at,end_at\n"
        # alice's alert overlaps; the one 2h30 after the end is outside the hour of slack
        "I1,brute_force,user,alice,2026-01-02 09:00:00,2026-01-02 10:15:00\n"
        # an IP incident caught by the alert on that IP
        "I2,password_spray,src_ip,6.6.6.6,2026-01-03 00:30:00,2026-01-03 01:30:00\n"
        # an IP incident caught through a user alert's evidence event from that IP, in its window
        "I3,credential_stuffing,src_ip,7.7.7.7,2026-01-04 04:59:00,2026-01-04 05:00:30\n"
        # only an over-budget alert touches it: not caught
        "I4,mfa_fatigue,user,carol,2026-01-05 04:00:00,2026-01-05 06:00:00\n"
        # nothing near it
        "I5,rare_process,user,dave,2026-01-06 00:00:00,2026-01-06 01:00:00\n")
    return con, truth


def test_an_alert_catches_an_incident_of_its_entity_and_time_or_by_its_evidence(tmp_path):
    con, truth = _matching_warehouse(tmp_path)
    result = match_alerts(con, truth)
    assert result.caught == {"brute_force": 1, "password_spray": 1, "credential_stuffing": 1, "mfa_fatigue": 0,
                             "rare_process": 0}
    assert result.attacks == dict.fromkeys(result.caught, 1)
    # four raised alerts, of which A-late (alice, 2h45 after her incident) catches nothing
    assert (result.raised, result.true_alerts) == (4, 3)


def test_an_org_is_seed_days_and_events_per_day():
    assert Org.parse("7:10:8000") == Org(7, 10, 8000)
    for wrong in ("7:10", "a:b:c", "7:1:8000"):
        with pytest.raises(ValueError):
            Org.parse(wrong)


def test_evaluate_an_unseen_org_without_labels(tmp_path):
    """End to end: simulate, build with no labels, train an isolation forest
    on the org itself, score, rebuild the alerts per mix, match."""
    org = Org(seed=23, days=3, events_per_day=2500)
    results = evaluate(PROJECT_ROOT, [org], tmp_path, tmp_path / "unused-mlruns", daily_budget=20,
                       unsupervised=True)
    by_mix = results[org.name]
    assert set(by_mix) == set(MIXES)
    warehouse = tmp_path / org.name
    assert not (warehouse / "landing" / "incidents.csv").exists(), "the warehouse must hold no labels"
    truth = list(csv.DictReader((warehouse / "incidents.csv").open()))
    assert sum(by_mix["both"].attacks.values()) == len({row["incident_id"] for row in truth})
    con = connect_build(warehouse / "secfeat.duckdb")  # as the dbt of this process opened it
    try:
        (labels,), = con.execute("select count(*) from ml_incident_activity").fetchall()
        (algorithm,), = con.execute("select distinct model_algorithm from ml_login_scores").fetchall()
        (model_hits,), = con.execute("select count(*) from det_login_risk_model").fetchall()
        (percentile_hits,), = con.execute(  # one hit per event: a role assumption is scored twice
            "select count(distinct event_uid) from ml_login_scores where score_percentile >= 0.995").fetchall()
    finally:
        con.close()
    assert labels == 0 and algorithm == "isolation_forest"
    # the unsupervised model alerts at its training window's 99.5th percentile, not a tuned threshold
    assert model_hits == percentile_hits > 0
    for mix in MIXES:
        assert by_mix[mix].raised <= 20 * org.days
    text = report(results, 20)
    assert "precision at the budget" in text and org.name in text
