"""The demo generator: deterministic, realistic in shape, honest about time."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import random
import re
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path

import pytest
from conftest import simulate_landing

from secfeat import simulate as sim
from secfeat.simulate import ATTACK_SOURCES, ATTACKS, FILE_NAMES, GEO, HOSTILE_NETWORKS, LATER_ATTACKS, SOURCES

TECHNIQUES = {**ATTACKS, **LATER_ATTACKS}

SYSLOG_LINE = re.compile(r"^[A-Z][a-z]{2} [ 1-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-5][0-9] \S+ sshd\[[0-9]+\]: .+$")
SYSLOG_PARTS = re.compile(r"^([A-Z][a-z]{2} [ 1-3][0-9] [0-9:]{8}) (\S+) sshd\[([0-9]+)\]: (.*)$")
WINDOWS_FAILURE_CODES = {("0xc000006d", "0xc000006a"), ("0xc000006d", "0xc0000064"), ("0xc0000234", "0x0")}
ENTRA_SUCCESS, ENTRA_INTERRUPTS = {"0"}, {"50074", "50076", "50140", "50158"}
ENTRA_FAILURES = {"50126", "50053", "50034", "50057", "500121"}  # 500121: an MFA prompt denied
HOSTILE_COUNTRY_NAMES = {GEO[code][0] for code in HOSTILE_NETWORKS}
# The sources the generator had before google_workspace: adding a source must leave their files as they were.
FIRST_FIVE = ("windows", "sshd", "cloudtrail", "okta", "entra")
# sha256 of the JSON of _digest() of the first five sources' files and incidents.csv for
# days=3, events_per_day=1500, seed=1, end=2026-01-05, as the generator wrote them before
# google_workspace existed. Change it only when one of those five sources is meant to change
# (last: about one CloudTrail API call in 40 refused, as in any account).
FIRST_FIVE_DIGEST = "49d3f44553fb7b333ecf8172d3fd38b3777a240140dfa6750f6c56661d7d5540"
GOOGLE_LOGIN_EVENTS = {("login", "login_success"), ("login", "login_failure"), ("login", "login_challenge"),
                       ("login", "login_verification"), ("login", "logout"),
                       ("login", "risky_sensitive_action_allowed"), ("account_warning", "suspicious_login")}
GOOGLE_CHALLENGE_STATUSES = {"Challenge Passed.", "Challenge Failed."}


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*")) if path.is_file()
    }


@lru_cache(maxsize=None)
def _file_lines(path: Path) -> tuple[str, ...]:
    """A landed file's lines, read once (the landing zones are module fixtures, never changed)."""
    return tuple(path.read_text().splitlines())


def _lines(landing: Path, source: str) -> list[str]:
    return [line for path in sorted((landing / source).iterdir()) for line in _file_lines(path)]


@lru_cache(maxsize=None)
def _records(landing: Path, source: str) -> list[dict]:
    """The JSON records of a source; lines that do not parse (cut short) are skipped."""
    records = []
    for line in _lines(landing, source):
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return records


def _parse_iso(text: str) -> datetime:
    """ISO times as the vendors write them (Z or +00:00, up to 7 fractional digits), naive UTC."""
    text = text.replace("Z", "+00:00")
    text = re.sub(r"(\.[0-9]{6})[0-9]+", r"\1", text)
    return datetime.fromisoformat(text).replace(tzinfo=None)


def _event_time(source: str, line: str, year: int) -> datetime | None:
    """When a raw line says its event happened (None if it cannot tell)."""
    try:
        if source == "sshd":
            stamp = SYSLOG_PARTS.match(line).group(1)
            return datetime.strptime(f"{year} {stamp}", "%Y %b %d %H:%M:%S")
        record = json.loads(line)
        if source == "windows":
            return datetime.strptime(record["EventTime"], "%Y-%m-%d %H:%M:%S")
        if source == "google_workspace":
            return _parse_iso(record["id"]["time"])
        field = {"cloudtrail": "eventTime", "okta": "published", "entra": "time"}[source]
        return _parse_iso(record[field])
    except (AttributeError, KeyError, ValueError):
        return None


def _simulate(out: Path, sources=SOURCES, days: int = 4, events_per_day: int = 4000, seed: int = 3,
              end: str = "2026-02-01") -> dict:
    """simulate_landing, for some of the sources only."""
    config = sim.SimulationConfig(days=days, events_per_day=events_per_day, seed=seed,
                                  end=datetime.fromisoformat(end), out=out)
    return sim.simulate(config, sources)


def _landed(folder: Path) -> dict[str, tuple[str, float | None]]:
    """(sha256, landing time) of every file; incidents.csv has no landing time (it is written, not landed)."""
    return {name: (digest, None if name == "incidents.csv" else os.path.getmtime(folder / name))
            for name, digest in _digest(folder).items()}


@pytest.fixture(scope="module")
def landing_run(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("landing")
    counts = simulate_landing(out, days=4, events_per_day=4000, seed=3, end="2026-02-01")
    return out, counts


@pytest.fixture(scope="module")
def landing(landing_run) -> Path:
    return landing_run[0]


@pytest.fixture(scope="module")
def attack_landing(tmp_path_factory) -> Path:
    """Long enough for every technique to show up in each of its sources (they take turns)."""
    out = tmp_path_factory.mktemp("attack_landing")
    simulate_landing(out, days=6, events_per_day=1500, seed=21, end="2026-01-08")
    return out


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path, landing):
    again = tmp_path / "again"
    other = tmp_path / "other"
    simulate_landing(again, days=4, events_per_day=4000, seed=3, end="2026-02-01")
    simulate_landing(other, days=4, events_per_day=4000, seed=4, end="2026-02-01")
    assert _digest(again) == _digest(landing)
    assert _digest(other) != _digest(landing)


def test_one_file_per_source_per_day(landing):
    assert sorted(p.name for p in landing.iterdir() if p.is_dir()) == sorted(SOURCES)
    days = [f"2026-01-{day}" for day in (28, 29, 30, 31)]
    for source in SOURCES:
        stem, suffix = FILE_NAMES[source]
        files = sorted(p.name for p in (landing / source).iterdir())
        assert files == [f"{stem}_{day}.{suffix}" for day in days]


def test_every_source_gets_a_sensible_share_of_the_budget(landing_run):
    _, counts = landing_run
    lines = {source: counts[source] for source in FIRST_FIVE}
    total = sum(lines.values())
    days = [datetime(2026, 1, 28) + timedelta(days=i) for i in range(4)]
    budget = sum(4000 if day.weekday() < 5 else 4000 * 3 // 10 for day in days)  # weekends are quiet
    assert 0.85 * budget <= total <= 1.15 * budget, lines
    assert 0.35 <= lines["windows"] / total <= 0.65, lines
    for source in FIRST_FIVE[1:]:
        assert 0.05 <= lines[source] / total <= 0.25, lines
    # Google Workspace comes on top of the budget: a few percent more
    assert 0.03 * budget <= counts["google_workspace"] <= 0.05 * budget, counts


def test_every_technique_is_injected_with_ground_truth(landing):
    with (landing / "incidents.csv").open() as handle:
        incidents = list(csv.DictReader(handle))
    assert {row["technique"] for row in incidents} == set(TECHNIQUES)
    for row in incidents:
        assert row["start_at"] <= row["end_at"]
        assert row["entity_type"] in {"user", "src_ip"}
        if row["entity_type"] == "user":
            assert re.fullmatch(r"[a-z]+\.[a-z]+[0-9]*", row["entity"]), row


def test_windows_lines_are_nxlog_security_records(landing):
    lines = _lines(landing, "windows")
    records = _records(landing, "windows")
    assert len(records) >= 0.99 * len(lines)
    assert {r["EventID"] for r in records} >= {4624, 4625, 4634, 4647, 4672, 4688, 4689, 4768, 4769, 4776}
    for record in records:
        assert record["Channel"] == "Security"
        datetime.strptime(record["EventTime"], "%Y-%m-%d %H:%M:%S")
    by_id = defaultdict(list)
    for record in records:
        by_id[record["EventID"]].append(record)
    failures = by_id[4625]
    assert failures and all((r["Status"], r["SubStatus"]) in WINDOWS_FAILURE_CODES for r in failures)
    assert {(r["Status"], r["SubStatus"]) for r in failures} >= {("0xc000006d", "0xc000006a"),
                                                                  ("0xc000006d", "0xc0000064")}
    assert {r["Status"] for r in by_id[4776]} >= {"0x0", "0xc000006a"}
    assert all(r["PackageName"] == "MICROSOFT_AUTHENTICATION_PACKAGE_V1_0" for r in by_id[4776])
    assert {r["Status"] for r in by_id[4768]} >= {"0x0", "0x18", "0x6"}
    assert all(r["ServiceName"] == "krbtgt" and r["IpAddress"].startswith("::ffff:10.") for r in by_id[4768])
    assert all(r["TargetUserName"].endswith("@CORP.EXAMPLE") and r["ServiceName"].endswith("$") for r in by_id[4769])
    assert all("\r\n\t\t\t" in r["PrivilegeList"] for r in by_id[4672])
    for record in by_id[4688]:
        assert int(record["NewProcessId"], 16) > 0 and int(record["ProcessId"], 16) > 0
        assert re.match(r"^[A-Z]:\\", record["NewProcessName"]) and re.match(r"^[A-Z]:\\", record["ParentProcessName"])
        assert record["CommandLine"]
    launched = {(r["Hostname"], r["NewProcessId"], r["NewProcessName"]) for r in by_id[4688]}
    exited = {(r["Hostname"], r["ProcessId"], r["ProcessName"]) for r in by_id[4689]}
    assert len(exited & launched) >= 0.9 * len(exited), "process exits should match earlier launches"


def test_sshd_lines_are_syslog(landing):
    lines = _lines(landing, "sshd")
    well_formed = [line for line in lines if SYSLOG_LINE.match(line)]
    assert len(well_formed) >= 0.99 * len(lines)
    for phrase in (" Accepted publickey for ", " Failed password for invalid user ", " Failed password for root ",
                   "pam_unix(sshd:session): session opened for user ", "pam_unix(sshd:session): session closed",
                   "Disconnecting: Too many authentication failures for root [preauth]",
                   "PAM 5 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost=",
                   "Did not receive identification string from ", "POSSIBLE BREAK-IN ATTEMPT!"):
        assert any(phrase in line for line in lines), phrase


def test_sshd_attempts_are_multi_line_connections(landing):
    connections: dict[tuple[str, str], list[str]] = defaultdict(list)
    for line in _lines(landing, "sshd"):
        parts = SYSLOG_PARTS.match(line)
        if parts:
            connections[parts.group(2), parts.group(3)].append(parts.group(4))
    failed_connections = [messages for messages in connections.values()
                          if any(m.startswith("Failed password") for m in messages)]
    assert len(failed_connections) > 20
    odd = []  # a line cut short can spoil a connection or two
    for messages in failed_connections:
        # the PAM failure comes first on the same pid, the outcome later, all about one client address
        first_failure = next(i for i, m in enumerate(messages) if m.startswith("Failed password"))
        pam_first = any(m.startswith("pam_unix(sshd:auth): authentication failure;") for m in messages[:first_failure])
        addresses = {a for m in messages for a in re.findall(r"(?:from |rhost=)([0-9.]+)", m)}
        if not pam_first or len(addresses) != 1:
            odd.append(messages)
    assert len(odd) <= 0.01 * len(failed_connections), odd[:2]
    repeated = [m for messages in connections.values() for m in messages if m.startswith("message repeated")]
    assert repeated and all(re.fullmatch(r"message repeated [2-9] times: \[ Failed password for \S+ from [0-9.]+ "
                                         r"port [0-9]+ ssh2\]", m) for m in repeated), repeated[:3]
    abandoned = [messages for messages in connections.values()
                 if any(m.startswith("Invalid user ") for m in messages)
                 and not any(re.match(r"(message repeated .*)?(Failed|Accepted) ", m) for m in messages)]
    assert abandoned, "no scanner left before trying a password"
    accepted = [messages for messages in connections.values() if any(m.startswith("Accepted ") for m in messages)]
    assert accepted and all(any("session opened" in m for m in messages) for messages in accepted)


def test_sshd_attempt_rule_reads_back_from_raw_text():
    """Every generated line says how many attempts it is; the raw-text rule must agree."""
    rng = random.Random(5)
    users = sim.build_population(rng, 3000)
    day = datetime(2026, 3, 2)
    events = sim.normal_day(rng, day, users, 3000)
    for technique in ("brute_force",):
        attack_events, _ = sim.ATTACKS[technique](rng, day + timedelta(hours=3), users, "INC-1", "sshd")
        events += attack_events
    events = sorted((e for e in events if e.source == "sshd"), key=lambda e: e.at)
    renderer = sim.SshdRenderer()
    lines = [renderer.render(event, rng) for event in events]
    generated = [sim.sshd_attempts(event) for event in events]
    failed, accepted = sum(f for f, _ in generated), sum(a for _, a in generated)
    assert failed > 100 and accepted > 10
    assert sim.count_sshd_attempts(lines) == (failed, accepted)
    assert sum(1 for e in events if e.kind == "ssh_abandoned") > 0
    assert sum(1 for e in events if e.kind == "ssh_failed_repeated") > 0


@pytest.mark.parametrize("source", ("cloudtrail", "okta", "entra", "google_workspace"))
def test_cloud_json_lines_parse_except_a_few_cut_short(landing, source):
    lines = _lines(landing, source)
    unparseable = 0
    for line in lines:
        try:
            assert isinstance(json.loads(line), dict)
        except json.JSONDecodeError:
            unparseable += 1
            assert line.startswith("{"), "a cut line is the start of a record"
    assert lines
    assert unparseable <= max(3, 0.002 * len(lines)), (unparseable, len(lines))


def test_cloudtrail_records(landing):
    records = _records(landing, "cloudtrail")
    assert all(r["eventVersion"] == "1.08" and r["managementEvent"] is True for r in records)
    assert all(r["eventType"] == ("AwsConsoleSignIn" if r["eventName"] == "ConsoleLogin" else "AwsApiCall")
               for r in records)
    assert len({r["eventID"] for r in records}) == len(records)
    logins = [r for r in records if r["eventName"] == "ConsoleLogin"]
    assert {r["responseElements"]["ConsoleLogin"] for r in logins} == {"Success", "Failure"}
    for login in logins:
        assert login["additionalEventData"]["MFAUsed"] in ("Yes", "No")
        assert ("errorMessage" in login) == (login["responseElements"]["ConsoleLogin"] == "Failure")
    assume = [r for r in records if r["eventName"] == "AssumeRole"]
    granted = [r for r in assume if "errorCode" not in r]
    assert all(r["responseElements"]["assumedRoleUser"]["arn"].endswith(r["requestParameters"]["roleSessionName"])
               for r in granted)
    assert any(r["errorCode"] == "AccessDenied" for r in assume if "errorCode" in r)
    assert any(r["userIdentity"]["type"] == "AWSService" and r["sourceIPAddress"] == "ec2.amazonaws.com"
               for r in assume)
    assumed = [r for r in records if r["userIdentity"]["type"] == "AssumedRole"]
    assert assumed and all(r["userIdentity"]["arn"].startswith("arn:aws:sts::") for r in assumed)
    assert all(r["userIdentity"]["sessionContext"]["sessionIssuer"]["type"] == "Role" for r in assumed)


def test_okta_log_events(landing):
    events = _records(landing, "okta")
    assert {e["eventType"] for e in events} >= {"user.session.start", "user.authentication.sso",
                                               "user.authentication.auth_via_mfa", "user.authentication.verify",
                                               "policy.evaluate_sign_on"}
    for event in events:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", event["published"])
        assert event["actor"]["type"] == "User" and "@" in event["actor"]["alternateId"]
        assert event["client"]["geographicalContext"]["country"] in {name for name, _, _ in GEO.values()}
        assert event["version"] == "0" and event["severity"] in ("INFO", "WARN")
    # MFA: a challenge, then success, in one session
    by_session = defaultdict(list)
    for event in events:
        by_session[event["authenticationContext"]["externalSessionId"]].append(event["outcome"]["result"])
    assert any(results.index("CHALLENGE") < results.index("SUCCESS")
               for results in by_session.values() if "CHALLENGE" in results and "SUCCESS" in results)
    reasons = {e["outcome"]["reason"] for e in events if e["outcome"]["result"] == "FAILURE"}
    assert "INVALID_CREDENTIALS" in reasons


def test_entra_sign_ins(landing):
    records = [r for r in _records(landing, "entra") if _event_time("entra", json.dumps(r), 2026)]
    for record in records:
        assert record["operationName"] == "Sign-in activity"
        assert record["category"] in ("SignInLogs", "NonInteractiveUserSignInLogs")
        assert record["resultType"] in ENTRA_SUCCESS | ENTRA_INTERRUPTS | ENTRA_FAILURES
        assert record["properties"]["status"]["errorCode"] == int(record["resultType"])
        assert record["location"] == record["properties"]["location"]["countryOrRegion"]
        assert record["properties"]["createdDateTime"].endswith("+00:00")
    # an interrupt ("stay signed in?", MFA) a few seconds before the successful record of the same sign-in
    by_correlation = defaultdict(list)
    for record in records:
        by_correlation[record["correlationId"]].append((_parse_iso(record["time"]), record["resultType"]))
    interrupted = [sorted(flow) for flow in by_correlation.values()
                   if {code for _, code in flow} & ENTRA_INTERRUPTS and "0" in {code for _, code in flow}]
    assert interrupted
    for flow in interrupted:
        interrupt_at = next(at for at, code in flow if code in ENTRA_INTERRUPTS)
        success_at = next(at for at, code in flow if code == "0")
        assert timedelta(0) < success_at - interrupt_at < timedelta(minutes=1)
    assert sum(r["resultType"] == "0" for r in records) > 0.8 * len(records)


def test_one_person_one_identity_everywhere(landing):
    windows_names = {r.get("TargetUserName") for r in _records(landing, "windows")}
    okta_people = {(e["actor"]["alternateId"], e["actor"]["displayName"]) for e in _records(landing, "okta")
                   if e["actor"]["id"].startswith("00u")}
    entra_people = {(r["properties"]["userPrincipalName"], r["properties"]["userDisplayName"])
                    for r in _records(landing, "entra") if r["resultType"] == "0"}
    people = {upn.split("@")[0] for upn, _ in okta_people | entra_people}
    iam_users = {r["userIdentity"]["userName"] for r in _records(landing, "cloudtrail")
                 if r["userIdentity"]["type"] == "IAMUser"}
    ssh_users = {m.group(1) for line in _lines(landing, "sshd")
                 for m in [re.search(r"Accepted \S+ for (\S+) from 10\.", line)] if m}
    assert okta_people and entra_people and iam_users and ssh_users
    for upn, _ in okta_people | entra_people:
        local, domain = upn.split("@")
        assert domain == "corp.example" and local in windows_names, upn
    assert iam_users <= windows_names
    assert ssh_users <= windows_names
    display_names = defaultdict(set)
    for upn, display_name in okta_people | entra_people:
        display_names[upn].add(display_name)
    assert all(len(names) == 1 for names in display_names.values())
    assert 0.1 <= len(iam_users) / len(people) <= 0.6, "about a third of the people use AWS"


def test_deliberately_bad_records_are_rare(landing):
    bad = Counter()
    total = Counter()
    for source in ("cloudtrail", "okta", "entra"):
        for record in _records(landing, source):
            total[source] += 1
            if source == "cloudtrail" and "eventTime" not in record:
                bad[source] += 1
            if source == "okta" and record["outcome"]["result"] not in {"SUCCESS", "FAILURE", "CHALLENGE", "ALLOW",
                                                                       "DENY"}:
                bad[source] += 1
            if source == "entra" and _event_time(source, json.dumps(record), 2026) is None:
                bad[source] += 1
    for source in total:
        assert bad[source] <= 0.0005 * total[source] + 1, (source, bad[source], total[source])


def test_deliberately_bad_records_are_the_described_kinds(tmp_path, monkeypatch):
    monkeypatch.setattr(sim.landing, "BAD_RECORD_INTERVAL", 100)  # a demo-sized landing zone would have only a few
    simulate_landing(tmp_path, days=2, events_per_day=3000, seed=8, end="2026-02-01")
    cloudtrail = _records(tmp_path, "cloudtrail")
    without_time = [r for r in cloudtrail if "eventTime" not in r]
    assert 0.005 * len(cloudtrail) <= len(without_time) <= 0.02 * len(cloudtrail)
    okta = _records(tmp_path, "okta")
    unknown_outcomes = [e for e in okta if e["outcome"]["result"] == "MAYBE"]
    assert 0.005 * len(okta) <= len(unknown_outcomes) <= 0.02 * len(okta)
    entra = _records(tmp_path, "entra")
    bad_times = [r for r in entra if _event_time("entra", json.dumps(r), 2026) is None]
    assert 0.005 * len(entra) <= len(bad_times) <= 0.02 * len(entra)
    assert all(r["time"] == r["properties"]["createdDateTime"] for r in bad_times)


def test_files_land_after_their_events_and_some_events_are_late(landing):
    late = 0
    for source in SOURCES:
        for path in (landing / source).iterdir():
            day = datetime.strptime(path.stem.rsplit("_", 1)[1], "%Y-%m-%d")
            landed = datetime.fromtimestamp(os.path.getmtime(path), timezone.utc).replace(tzinfo=None)
            assert landed == day + timedelta(days=1, minutes=10)
            for line in path.read_text().splitlines():
                at = _event_time(source, line, day.year)
                if at is None:
                    continue
                assert at <= landed, f"{path.name} holds an event after it landed"
                late += source == "windows" and at < day
    assert late > 0, "no late-arriving events were generated"


def test_nothing_after_the_end(landing):
    end = datetime(2026, 2, 1)
    for source in SOURCES:
        times = [_event_time(source, line, 2026) for line in _lines(landing, source)]
        assert all(at < end for at in times if at is not None), source


def _incidents(landing: Path) -> list[dict]:
    with (landing / "incidents.csv").open() as handle:
        return list(csv.DictReader(handle))


def _mentions(landing: Path, source: str, entity: str, start: datetime, end: datetime) -> list[str]:
    """Raw lines of a source that name the entity and happened during [start, end] (a minute either side)."""
    pattern = re.compile(rf"(?<![0-9A-Za-z.]){re.escape(entity)}(?![0-9A-Za-z]|\.[0-9])")
    found = []
    for path in sorted((landing / source).iterdir()):
        year = int(path.stem.rsplit("_", 1)[1][:4])
        for line in _file_lines(path):
            if entity in line and pattern.search(line):
                at = _event_time(source, line, year)
                if at is not None and start - timedelta(minutes=1) <= at <= end + timedelta(minutes=1):
                    found.append(line)
    return found


def test_each_attack_shows_in_the_raw_logs_of_its_sources(attack_landing):
    incidents = _incidents(attack_landing)
    assert {row["technique"] for row in incidents} == set(TECHNIQUES)
    seen_in = defaultdict(set)
    for row in incidents:
        start, end = _parse_iso(row["start_at"]), _parse_iso(row["end_at"])
        sources = {source for source in ATTACK_SOURCES[row["technique"]]
                   if _mentions(attack_landing, source, row["entity"], start, end)}
        assert sources, f"{row['incident_id']} {row['technique']} {row['entity']} is nowhere in its sources"
        seen_in[row["technique"]] |= sources
    assert {technique: seen_in[technique] for technique in TECHNIQUES} == \
        {technique: set(sources) for technique, sources in ATTACK_SOURCES.items()}


def _successful_sign_ins(landing: Path, user: str, start: datetime, end: datetime) -> list[tuple[datetime, str]]:
    """(time, country name) of a user's successful interactive Okta and Entra sign-ins in [start, end]."""
    found = []
    for line in _mentions(landing, "okta", user, start, end):
        event = json.loads(line)
        if event["eventType"] == "user.session.start" and event["outcome"]["result"] == "SUCCESS":
            found.append((_parse_iso(event["published"]), event["client"]["geographicalContext"]["country"]))
    for line in _mentions(landing, "entra", user, start, end):
        record = json.loads(line)
        if record["resultType"] == "0" and record["category"] == "SignInLogs":
            found.append((_parse_iso(record["time"]), GEO[record["properties"]["location"]["countryOrRegion"]][0]))
    return [(at, country) for at, country in found if start <= at <= end]


def test_impossible_travel_crosses_to_a_hostile_country(attack_landing):
    checked = 0
    for row in _incidents(attack_landing):
        if row["technique"] != "impossible_travel":
            continue
        at = _parse_iso(row["start_at"])
        sign_ins = _successful_sign_ins(attack_landing, row["entity"], at - timedelta(hours=1),
                                        at + timedelta(seconds=1))
        away = [country for when, country in sign_ins if abs(when - at) < timedelta(seconds=1)]
        if not away:
            continue  # the Windows variant
        checked += 1
        home = {country for when, country in sign_ins if when < at - timedelta(minutes=5)}
        assert away[0] in HOSTILE_COUNTRY_NAMES, (row, sign_ins)
        assert home - HOSTILE_COUNTRY_NAMES, (row, sign_ins)
    assert checked >= 2, "expected the Okta and the Entra variant"


def test_password_spray_hits_many_accounts_from_one_address(attack_landing):
    for row in _incidents(attack_landing):
        if row["technique"] != "password_spray":
            continue
        start, end = _parse_iso(row["start_at"]), _parse_iso(row["end_at"])
        accounts = set()
        for source in ATTACK_SOURCES["password_spray"]:
            for line in _mentions(attack_landing, source, row["entity"], start, end):
                record = json.loads(line)
                accounts.add(record.get("TargetUserName") or record.get("actor", {}).get("alternateId")
                             or record.get("properties", {}).get("userPrincipalName"))
        assert len(accounts - {None}) >= 10, (row, len(accounts))


def test_privilege_burst_in_cloudtrail_assumes_admin_roles(attack_landing):
    bursts = 0
    for row in _incidents(attack_landing):
        if row["technique"] != "privilege_burst":
            continue
        lines = _mentions(attack_landing, "cloudtrail", row["entity"], _parse_iso(row["start_at"]),
                          _parse_iso(row["end_at"]))
        admin_roles = [r for r in map(json.loads, lines)
                       if r["eventName"] == "AssumeRole" and "Admin" in r["requestParameters"]["roleArn"]]
        bursts += len(admin_roles) >= 5
    assert bursts >= 1


# ---------------------------------------------------------------- Google Workspace


def _parameters(event: dict) -> dict:
    """A Reports API event's parameters by name, whatever kind of value each holds."""
    values = {}
    for parameter in event["parameters"]:
        (kind,) = set(parameter) - {"name"}
        assert kind in ("value", "multiValue", "boolValue", "intValue"), parameter
        values[parameter["name"]] = parameter[kind]
    return values


def _google_activities(landing: Path) -> list[tuple[datetime, str, dict, dict]]:
    """(time, event name, parameters, record) of every Google Workspace activity, in time order."""
    activities = []
    for record in _records(landing, "google_workspace"):
        for event in record["events"]:
            activities.append((_parse_iso(record["id"]["time"]), event["name"], _parameters(event), record))
    return sorted(activities, key=lambda activity: activity[0])


def test_google_workspace_activities_are_reports_api_records(landing):
    lines = _lines(landing, "google_workspace")
    records = _records(landing, "google_workspace")
    assert records and len(records) >= 0.99 * len(lines)
    start, end = datetime(2026, 1, 28), datetime(2026, 2, 1)
    earliest = start - timedelta(hours=max(sim.population.UTC_OFFSET_HOURS.values()))  # Tokyo's first morning
    windows_names = {r.get("TargetUserName") for r in _records(landing, "windows")}
    profile_ids = defaultdict(set)
    for record in records:
        assert record["kind"] == "admin#reports#activity"
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", record["id"]["time"])
        assert earliest <= _parse_iso(record["id"]["time"]) < end, record["id"]["time"]
        assert re.fullmatch(r"-?[0-9]+", record["id"]["uniqueQualifier"])
        assert -2**63 <= int(record["id"]["uniqueQualifier"]) < 2**63
        assert record["id"]["applicationName"] == "login" and record["id"]["customerId"]
        local, domain = record["actor"]["email"].split("@")
        assert domain == "corp.example" and local in windows_names, "one person, one identity everywhere"
        assert record["actor"]["callerType"] == "USER"
        assert re.fullmatch(r"1[0-9]{20}", record["actor"]["profileId"])
        profile_ids[record["actor"]["email"]].add(record["actor"]["profileId"])
        assert record["networkInfo"]["regionCode"] in GEO
        assert record["events"]
        for event in record["events"]:
            assert (event["type"], event["name"]) in GOOGLE_LOGIN_EVENTS, event
            _parameters(event)
    assert all(len(ids) == 1 for ids in profile_ids.values()), "a profileId per person"
    assert len(set.union(*profile_ids.values())) == len(profile_ids), "and a person per profileId"
    assert len({r["id"]["uniqueQualifier"] for r in records}) == len(records)
    names = Counter(e["name"] for r in records for e in r["events"])
    assert set(names) >= {"login_success", "login_failure", "login_challenge", "login_verification", "logout"}
    assert names["login_success"] > 0.5 * sum(names.values()), names
    # a subset of the people: some, not everybody
    assert 2 <= len(profile_ids) < len({local for local in windows_names if local and "." in local})


def test_google_workspace_sign_ins_go_through_their_challenges(landing):
    activities = _google_activities(landing)
    successes = defaultdict(list)
    for at, name, parameters, record in activities:
        if name == "login_success":
            successes[record["actor"]["email"]].append((at, parameters["login_challenge_method"]))
    verified = unmatched = 0
    for at, name, parameters, record in activities:
        country = GEO[record["networkInfo"]["regionCode"]][0]
        if name in ("login_success", "login_failure", "login_challenge", "login_verification", "logout"):
            assert parameters["login_type"] in ("google_password", "reauth"), parameters
            assert record["networkInfo"]["regionCode"] not in HOSTILE_NETWORKS, "people sign in from home or office"
        if name == "login_success":
            assert parameters["login_challenge_method"][0] == "password" and parameters["is_suspicious"] is False
        if name == "login_failure":
            assert parameters["login_failure_type"] == "login_failure_invalid_password"
        if name in ("login_challenge", "login_verification"):
            assert parameters["login_challenge_status"] in GOOGLE_CHALLENGE_STATUSES
            assert len(parameters["login_challenge_method"]) == 1
        if name == "login_verification":
            assert parameters["is_second_factor"] is True
            if parameters["login_challenge_status"] == "Challenge Passed.":
                # the success a few seconds later lists the second factor after the password
                factor = parameters["login_challenge_method"][0]
                follows = [methods for success_at, methods in successes[record["actor"]["email"]]
                           if timedelta(0) < success_at - at < timedelta(minutes=1) and factor in methods]
                verified += bool(follows)
                unmatched += not follows
        if name == "suspicious_login":
            assert record["events"][0]["type"] == "account_warning"
            assert parameters["affected_email_address"] == record["actor"]["email"]
            attempted = datetime(1970, 1, 1) + timedelta(microseconds=int(parameters["login_timestamp"]))
            assert attempted < at and country in HOSTILE_COUNTRY_NAMES
    assert verified > 10 and unmatched <= 2, (verified, unmatched)  # a sign-in cut off by the end loses its success


def test_google_workspace_is_deterministic_for_a_seed(tmp_path):
    runs = {}
    for name, seed in (("first", 12), ("again", 12), ("other", 13)):
        _simulate(tmp_path / name, ("google_workspace",), days=2, events_per_day=3000, seed=seed, end="2026-03-04")
        runs[name] = _landed(tmp_path / name / "google_workspace")
    assert runs["first"] == runs["again"]
    assert {name: digest for name, (digest, _) in runs["first"].items()} != \
        {name: digest for name, (digest, _) in runs["other"].items()}


def test_google_workspace_changes_nothing_in_the_other_sources(tmp_path, landing):
    """The first five sources, byte for byte and landing time for landing time, with and without it."""
    without = tmp_path / "without"
    counts = _simulate(without, FIRST_FIVE)
    assert "google_workspace" not in counts and not (without / "google_workspace").exists()
    beside = {name: landed for name, landed in _landed(landing).items() if not name.startswith("google_workspace/")}
    assert _landed(without) == beside
    alone = tmp_path / "alone"
    _simulate(alone, ("google_workspace",))
    assert _landed(alone / "google_workspace") == _landed(landing / "google_workspace")


def test_the_first_five_sources_are_what_they_were_before_google_workspace(tmp_path):
    simulate_landing(tmp_path, days=3, events_per_day=1500, seed=1, end="2026-01-05")
    digest = {name: sha for name, sha in _digest(tmp_path).items() if not name.startswith("google_workspace/")}
    assert {name.split("/")[0] for name in digest} == {*FIRST_FIVE, "incidents.csv"}
    assert hashlib.sha256(json.dumps(digest, sort_keys=True).encode()).hexdigest() == FIRST_FIVE_DIGEST


def test_google_workspace_lines_are_cut_short_now_and_then(tmp_path, monkeypatch):
    monkeypatch.setattr(sim.landing, "MALFORMED_LINE_SHARE", 0.02)  # the real share leaves a demo only a few
    _simulate(tmp_path, ("google_workspace",), days=2, events_per_day=6000, seed=8, end="2026-02-03")
    lines = _lines(tmp_path, "google_workspace")
    cut = []
    for line in lines:
        try:
            json.loads(line)
        except json.JSONDecodeError:
            cut.append(line)
    assert 0.005 * len(lines) <= len(cut) <= 0.04 * len(lines), (len(cut), len(lines))
    assert all(line.startswith("{") for line in cut)


def test_simulate_refuses_an_unknown_source(tmp_path):
    with pytest.raises(ValueError, match="no such source: gmail"):
        _simulate(tmp_path, ("windows", "gmail"))


def _later_attack(technique: str, variant: str, seed: int = 4):
    users = sim.build_population(random.Random(seed), 8000)
    at = datetime(2026, 1, 5, 3, 0)
    return users, *LATER_ATTACKS[technique](random.Random(seed), at, users, "INC-1", variant)


@pytest.mark.parametrize("variant", ATTACK_SOURCES["password_spray_slow"])
def test_a_slow_spray_stays_under_an_hourly_threshold_for_hours(variant):
    _, events, (incident,) = _later_attack("password_spray_slow", variant)
    attempts = sorted((e.at, e.attrs["user"].name) for e in events if e.kind != "dc_check" and "user" in e.attrs)
    assert incident.entity_type == "src_ip" and len({name for _, name in attempts}) >= 20
    for at, _ in attempts:  # never more than six accounts in any hour
        assert len({name for t, name in attempts if at <= t < at + timedelta(hours=1)}) <= 6
    assert attempts[-1][0] - attempts[0][0] >= timedelta(hours=3)


@pytest.mark.parametrize("variant", ATTACK_SOURCES["mfa_fatigue"])
def test_mfa_fatigue_pushes_at_least_eight_times(variant):
    _, events, (incident,) = _later_attack("mfa_fatigue", variant)
    pushes = [e for e in events if (e.source == "okta" and e.kind == "policy.evaluate_sign_on")
              or (e.source == "entra" and e.attrs["code"] in (50074, 500121))]
    assert len(pushes) >= 8 and all(e.attrs["user"].name == incident.entity for e in events)


def test_cloud_escalation_is_by_an_account_without_admin_rights():
    users, events, (incident,) = _later_attack("cloud_privilege_escalation", "cloudtrail")
    actor = next(u for u in users if u.name == incident.entity)
    assert not actor.is_admin
    names = [e.kind for e in events]
    assert "AttachUserPolicy" in names and "AssumeRole" in names
