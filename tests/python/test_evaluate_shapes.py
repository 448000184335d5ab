"""`secfeat evaluate` on orgs of other shapes: the org spec, the presets, and the false alerts per
detection, on hand-made tables (no dbt build)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import duckdb
import pytest

from secfeat.cli import build_parser
from secfeat.evaluate import (
    DEFAULT_ORGS, MIXES, PRESETS, MixResult, Org, false_alert_report, match_alerts, preset_orgs, report, total,
    write_json,
)

# ------------------------------------------------------------------ the org spec


def test_an_org_spec_may_name_shapes_and_how_many_people():
    assert Org.parse("101:10:8000") == Org(101, 10, 8000)  # the old form
    assert Org.parse("101:10:8000").name == "org-101-10d-8000"
    org = Org.parse("405:7:30000:nat_offices+exposed_sshd:users=3000")
    assert org == Org(405, 7, 30000, ("nat_offices", "exposed_sshd"), 3000)
    assert org.name == "org-405-7d-30000-3000u-nat_offices+exposed_sshd" and org.population == 3000
    # shapes in any order are the same org, in the registry's order; USERS= alone, in any case
    assert Org.parse("7:3:100:service_accounts+shared_hosts").shapes == ("shared_hosts", "service_accounts")
    assert Org.parse("7:3:100:USERS=50") == Org(7, 3, 100, (), 50)
    assert Org.parse("404:9:30000:exposed_sshd").population == 150  # the generator's default: 200 events each


@pytest.mark.parametrize("wrong", ["7:10", "a:b:c", "7:1:8000", "7:3:100:", "7:3:100:shared_hosts+",
                                   "7:3:100:users=x", "7:3:100:users=2", "7:3:100:crowds=5",
                                   "7:3:100:shared_hosts:nat_offices", "7:3:100:shared_hosts:users=9:users=9"])
def test_a_wrong_org_spec_is_refused(wrong):
    with pytest.raises(ValueError, match="org"):
        Org.parse(wrong)


def test_an_unknown_shape_is_refused_naming_the_valid_ones():
    with pytest.raises(ValueError, match=r"no such shape: vpn_only \(shapes: shared_hosts, few_process_devices, "
                                         r"nat_offices, exposed_sshd, service_accounts\)"):
        Org.parse("7:3:100:shared_hosts+vpn_only")
    with pytest.raises(ValueError, match="no such shape"):
        Org(7, 3, 100, ("vpn_only",))


def test_the_five_shapes_preset_spans_sizes_and_shapes():
    orgs = preset_orgs("five-shapes")
    assert [org.population for org in orgs] == [20, 60, 300, 150, 5000]
    assert [org.shapes for org in orgs] == [
        ("few_process_devices",), ("shared_hosts", "few_process_devices"),
        ("shared_hosts", "nat_offices", "exposed_sshd", "service_accounts"), ("exposed_sshd", "service_accounts"),
        ("nat_offices", "exposed_sshd")]
    seeds = [org.seed for org in orgs]
    assert len(set(seeds)) == 5 and not set(seeds) & ({7, 11} | {Org.parse(text).seed for text in DEFAULT_ORGS})
    assert all(7 <= org.days <= 10 and org.events_per_day <= 60_000 for org in orgs)
    assert len({org.name for org in orgs}) == 5
    with pytest.raises(ValueError, match="presets: five-shapes"):
        preset_orgs("six-shapes")


def test_the_evaluate_command_takes_the_new_specs_and_the_preset():
    args = build_parser().parse_args(["evaluate", "--org", "7:3:100:nat_offices:users=30",
                                      "--shapes-preset", "five-shapes"])
    assert args.org == ["7:3:100:nat_offices:users=30"] and args.shapes_preset == "five-shapes"
    assert set(PRESETS) == {"five-shapes"}


# ------------------------------------------------------------------ false alerts per detection


def _warehouse(tmp_path: Path) -> tuple[duckdb.DuckDBPyConnection, Path]:
    """Six alerts of three detections (one over the budget) against three incidents."""
    con = duckdb.connect()
    con.execute("""create table alerts as
        select alert_id, status, detection, entity_type, entity_key, first_event_at::timestamp as first_event_at,
            last_event_at::timestamp as last_event_at, evidence_event_uids
        from (values
        ('A1', 'raised', 'brute_force', 'user', 'alice', '2026-01-02 10:00', '2026-01-02 10:30', ['e1']),
        ('A2', 'raised', 'brute_force', 'user', 'alice', '2026-01-03 13:00', '2026-01-03 13:10', ['e2']),
        ('A3', 'raised', 'password_spray', 'src_ip', '6.6.6.6', '2026-01-03 01:00', '2026-01-03 02:00', ['e3']),
        ('A4', 'raised', 'rare_tool_execution', 'user', 'bob', '2026-01-04 05:00', '2026-01-04 05:01', ['e4']),
        ('A5', 'raised', 'rare_tool_execution', 'user', 'carol', '2026-01-04 06:00', '2026-01-04 06:01', ['e5']),
        ('A6', 'over_budget', 'rare_tool_execution', 'user', 'dave', '2026-01-05 05:00', '2026-01-05 05:01', ['e6'])
        ) as t(alert_id, status, detection, entity_type, entity_key, first_event_at, last_event_at,
            evidence_event_uids)""")
    con.execute("""create table ocsf_authentication as select * from (values
        ('e1', 'alice', '1.1.1.1', timestamp '2026-01-02 10:00', null),
        ('e2', 'alice', '1.1.1.1', timestamp '2026-01-03 13:00', null),
        ('e3', 'zed', '6.6.6.6', timestamp '2026-01-03 01:00', null)
        ) as t(event_uid, user_key, src_endpoint_ip, event_at, actor_user_name)""")
    con.execute("""create table ocsf_process_activity as select * from (values
        ('e4', 'bob', null, timestamp '2026-01-04 05:00', null),
        ('e5', 'carol', null, timestamp '2026-01-04 06:00', null),
        ('e6', 'dave', null, timestamp '2026-01-05 05:00', null)
        ) as t(event_uid, user_key, src_endpoint_ip, event_at, actor_user_name)""")
    for table in ("ocsf_api_activity", "ocsf_authorize_session"):
        con.execute(f"create table {table} (event_uid varchar, user_key varchar, src_endpoint_ip varchar, "
                    "event_at timestamp, actor_user_name varchar)")
    truth = tmp_path / "incidents.csv"
    truth.write_text(
        "incident_id,technique,entity_type,entity,start_at,end_at\n"
        "I1,brute_force,user,alice,2026-01-02 09:00:00,2026-01-02 10:15:00\n"
        "I2,password_spray,src_ip,6.6.6.6,2026-01-03 00:30:00,2026-01-03 01:30:00\n"
        "I3,rare_process,user,dave,2026-01-05 04:59:00,2026-01-05 05:02:00\n")  # only an over-budget alert
    return con, truth


def test_false_alerts_are_counted_per_detection_and_per_day_and_100_people(tmp_path):
    con, truth = _warehouse(tmp_path)
    result = match_alerts(con, truth)
    assert (result.raised, result.true_alerts, result.false_alerts) == (5, 2, 3)
    assert result.raised_by_detection == {"brute_force": 2, "password_spray": 1, "rare_tool_execution": 2}
    assert result.true_by_detection == {"brute_force": 1, "password_spray": 1, "rare_tool_execution": 0}
    assert result.false_by_detection == {"brute_force": 1, "password_spray": 0, "rare_tool_execution": 2}
    assert result.caught_by_detection == {"brute_force": 1, "password_spray": 1}
    assert result.caught == {"brute_force": 1, "password_spray": 1, "rare_process": 0}
    assert math.isnan(result.false_alerts_per_day_per_100_users)  # no org size yet
    result.days, result.users, result.user_days = 4, 50, 200
    assert result.false_alerts_per_day_per_100_users == pytest.approx(1.5)  # 3 false / 4 days / 50 people x 100
    assert result.per_day_per_100_users(result.false_by_detection["rare_tool_execution"]) == pytest.approx(1.0)


def test_the_report_gives_each_detections_false_alerts_per_org_and_its_share_of_all(tmp_path):
    con, truth = _warehouse(tmp_path)
    small = match_alerts(con, truth)
    small.days, small.users, small.user_days = 4, 50, 200
    big = MixResult(attacks={"brute_force": 2}, caught={"brute_force": 2}, raised=6, true_alerts=2, days=5,
                    users=1000, user_days=5000, raised_by_detection={"brute_force": 2, "rare_tool_execution": 4},
                    true_by_detection={"brute_force": 2, "rare_tool_execution": 0},
                    caught_by_detection={"brute_force": 2})
    results = {"org-small": dict.fromkeys(MIXES, small), "org-big": dict.fromkeys(MIXES, big)}
    everything = total(results, "both")
    assert (everything.raised, everything.false_alerts, everything.user_days, everything.users) == (11, 7, 5200, 1050)
    assert everything.false_by_detection == {"brute_force": 1, "password_spray": 0, "rare_tool_execution": 6}
    assert everything.caught_by_detection == {"brute_force": 3, "password_spray": 1}
    text = false_alert_report(results)
    lines = text.splitlines()
    # per org: the small org's rare tool alerts, 2 false over 4 days of 50 people
    small_block = lines[lines.index(next(line for line in lines if line.startswith("org-small"))):]
    assert next(line for line in small_block if line.strip().startswith("rare_tool_execution")).split() == \
        ["rare_tool_execution", "2", "2", "1.00", "0"]
    assert "org-big (1,000 users, 5 days): caught 2 of 2 attacks (100%), 6 alerts, 4 false" in text
    # across orgs: 6 of the 7 false alerts are the rare tool rule's
    share = lines[lines.index(next(line for line in lines if line.startswith("share of the 7 false alerts"))) + 2]
    assert share.split() == ["rare_tool_execution", "6", "86%", f"{100 * 6 / 5200:.2f}"]
    assert text in report(results, 20)


def test_the_json_holds_the_people_and_the_false_alerts_per_detection(tmp_path):
    con, truth = _warehouse(tmp_path)
    result = match_alerts(con, truth)
    result.days, result.users, result.user_days = 4, 50, 200
    write_json({"org-small": {"both": result}}, tmp_path / "evaluation.json")
    document = json.loads((tmp_path / "evaluation.json").read_text())["org-small"]["both"]
    assert (document["users"], document["user_days"], document["false_alerts"]) == (50, 200, 3)
    assert document["false_by_detection"] == {"brute_force": 1, "password_spray": 0, "rare_tool_execution": 2}
    assert document["raised_by_detection"]["rare_tool_execution"] == 2
    assert document["false_alerts_per_day_per_100_users"] == pytest.approx(1.5)
    assert document["false_per_day_per_100_users_by_detection"]["rare_tool_execution"] == pytest.approx(1.0)


def test_missed_attacks_that_a_held_back_signal_touched_are_counted_by_verdict(tmp_path):
    """dave's attack (I3) has only an over-budget alert: a suppressed signal on dave inside it, and an
    insufficient-baseline one on his address, count what the suppression and the guard cost; signals
    on caught attacks (alice's I1), outside the window, or live, count nothing."""
    con, truth = _warehouse(tmp_path)
    con.execute("""create view triaged_signals as select * from (values
        ('suppressed', 'user', 'dave', 'dave', '9.9.9.9', timestamp '2026-01-05 05:00'),
        ('insufficient_baseline', 'src_ip', '9.9.9.9', 'dave', '9.9.9.9', timestamp '2026-01-05 05:02:30'),
        ('insufficient_baseline', 'user', 'dave', 'dave', null, timestamp '2026-01-05 05:04'),
        ('suppressed', 'user', 'alice', 'alice', '1.1.1.1', timestamp '2026-01-02 10:00'),
        ('live', 'user', 'dave', 'dave', null, timestamp '2026-01-05 05:00'),
        ('disabled', 'user', 'erin', 'erin', null, timestamp '2026-01-05 05:00')
        ) as t(verdict, entity_type, entity_key, user_key, src_endpoint_ip, event_at)""")
    result = match_alerts(con, truth)
    assert result.held_back == {"insufficient_baseline": 1, "suppressed": 1}
    text = false_alert_report({"org-small": dict.fromkeys(MIXES, result)})
    assert "what the guards and suppressions cost): insufficient_baseline 1, suppressed 1" in text
