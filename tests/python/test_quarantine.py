"""Bad input is quarantined with a reason or ignored by reason, line by line;
nothing is lost and nothing breaks the build. Fixtures written here, by hand."""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone

import pytest

from conftest import DbtProject

pytestmark = pytest.mark.dbt

LANDED_AT = datetime(2026, 6, 2, 0, 10)


def _logon(**fields) -> str:
    record = {
        "EventTime": "2026-06-01 10:00:00", "EventReceivedTime": "2026-06-01 10:00:01",
        "Hostname": "DC01.corp.example", "Channel": "Security", "EventID": 4625, "RecordNumber": 1,
        "TargetUserName": "alice", "TargetDomainName": "CORP", "LogonType": "3", "IpAddress": "10.0.0.5",
        "IpPort": "51000", "Status": "0xc000006d", "SubStatus": "0xc000006a", "AuthenticationPackageName": "NTLM",
    }
    record.update(fields)
    return json.dumps({k: v for k, v in record.items() if v is not None})


WINDOWS_LINES = [  # (line, expected outcome, expected reason)
    (_logon(RecordNumber=1), "staged", None),
    (_logon(RecordNumber=2, IpAddress="::ffff:10.0.0.6", EventID=4624, Status=None, SubStatus=None), "staged", None),
    (_logon(RecordNumber=3, IpAddress="-", WorkstationName="-"), "staged", None),
    (_logon(RecordNumber=1), "duplicate", None),
    ('{"EventTime": "2026-06-01 10:00:00", "EventID": 46', "quarantined", "malformed_json"),
    ("[1, 2, 3]", "quarantined", "malformed_json"),
    (_logon(RecordNumber=4, EventTime=None), "quarantined", "missing_timestamp"),
    (_logon(RecordNumber=5, EventTime="yesterday at noon"), "quarantined", "unparseable_timestamp"),
    (_logon(RecordNumber=6, EventTime="2026-06-02 01:00:00"), "quarantined", "future_timestamp"),
    (_logon(RecordNumber=7, IpAddress="10.0.0.999"), "quarantined", "unparseable_ip"),
    (_logon(RecordNumber=8, TargetUserName="-"), "quarantined", "missing_user"),
    (_logon(RecordNumber=9, EventID="four"), "quarantined", "missing_event_id"),
    (_logon(RecordNumber=10, EventID=4634), "ignored", "unmapped_event_id"),
    (_logon(RecordNumber=11, Channel="System"), "ignored", "not_security_channel"),
    ("", "ignored", "blank_line"),
]
SSHD_LINES = [
    ("Jun  1 10:00:00 bastion-01 sshd[100]: Failed password for root from 203.0.113.9 port 4000 ssh2",
     "staged", None),
    ("Jun  1 10:00:05 bastion-01 sshd[101]: Accepted publickey for bob from 10.0.0.7 port 4001 ssh2: RSA SHA256:x",
     "staged", None),
    ("Jun  1 10:00:06 bastion-01 sshd[102]: Failed password for invalid user  0101 from 203.0.113.9 port 4002 ssh2",
     "staged", None),
    ("Jun  1 10:00:07 bastion-01 sshd[103]: pam_unix(sshd:auth): authentication failure; rhost=203.0.113.9",
     "ignored", "not_an_authentication_outcome"),
    ("Jun  1 10:00:08 bastion-01 CRON[104]: pam_unix(cron:session): session opened for user root", "ignored",
     "not_sshd"),
    ("this is not syslog", "quarantined", "unparseable_syslog_line"),
    ("Jun  1 10:00:09 bastion-01 sshd[106]: Failed password for root from 203.0.113.999 port 4004 ssh2",
     "quarantined", "unparseable_ip"),
]


def _land(path, lines) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line, _, _ in lines), encoding="utf-8")
    stamp = LANDED_AT.replace(tzinfo=timezone.utc).timestamp()
    os.utime(path, (stamp, stamp))


@pytest.fixture(scope="module")
def fixture_build(tmp_path_factory) -> DbtProject:
    root = tmp_path_factory.mktemp("quarantine")
    landing = root / "landing"
    _land(landing / "windows" / "security.jsonl", WINDOWS_LINES)
    _land(landing / "sshd" / "auth.log", SSHD_LINES)
    project = DbtProject(root, landing)
    project.run("build", "--select", "+ocsf_authentication", "quarantine", "landing_audit",
                "--exclude", "test_type:unit", "--indirect-selection", "cautious")
    return project


@pytest.mark.parametrize("source, lines", [("windows", WINDOWS_LINES), ("sshd", SSHD_LINES)])
def test_each_line_gets_its_expected_outcome(fixture_build, source, lines):
    rows = fixture_build.query(
        f"""
        select s._source_line, coalesce(s._quarantine_reason, s._ignored_reason),
               case when s._quarantine_reason is not null then 'quarantined'
                    when s._ignored_reason is not null then 'ignored'
                    when o.event_uid is not null then 'staged' else 'duplicate' end
        from staging.{ 'stg_windows__security_events' if source == 'windows' else 'stg_sshd__auth_log'} as s
        left join ocsf_authentication as o on s._source_file = o._source_file and s._source_line = o._source_line
        order by 1
        """
    )
    expected = [(number, reason, outcome) for number, (_, outcome, reason) in enumerate(lines, start=1)]
    assert rows == expected


def test_quarantine_keeps_the_raw_text(fixture_build):
    rows = fixture_build.query("select source_name, source_line, reason, raw_line from quarantine")
    by_line = {(source, line): (reason, raw) for source, line, reason, raw in rows}
    for source, lines in (("windows", WINDOWS_LINES), ("sshd", SSHD_LINES)):
        for number, (raw, outcome, reason) in enumerate(lines, start=1):
            if outcome == "quarantined":
                assert by_line[(source, number)] == (reason, raw)


def test_vendor_blanks_become_null_and_mapped_ips_fold(fixture_build):
    rows = dict(fixture_build.query(
        "select metadata_uid, src_endpoint_ip from ocsf_authentication where source_name = 'windows'"
    ))
    assert rows == {"1": "10.0.0.5", "2": "10.0.0.6", "3": None}


def test_sshd_invalid_user_and_names_with_spaces(fixture_build):
    rows = fixture_build.query(
        "select user_name, status_id, status_detail, auth_protocol from ocsf_authentication "
        "where source_name = 'sshd' order by event_at"
    )
    assert rows == [
        ("root", 2, "INVALID_CREDENTIALS", "password"),
        ("bob", 1, None, "publickey"),
        ("0101", 2, "USER_DOES_NOT_EXIST", "password"),
    ]


def test_syslog_year_comes_from_the_landing_time(fixture_build):
    (at,), = fixture_build.query("select min(event_at) from ocsf_authentication where source_name = 'sshd'")
    assert at == datetime(2026, 6, 1, 10, 0, 0)


FUTURE_SYSLOG_LINE = "Jun  3 10:00:00 bastion-01 sshd[105]: Failed password for root from 203.0.113.9 port 4003 ssh2"


@pytest.mark.parametrize("syslog_year, expected", [
    (None, ("staged", datetime(2025, 6, 3, 10, 0))),  # after its landing in 2026: last year's
    (2026, ("future_timestamp", None)),  # the year is given: the line is in the future
])
def test_a_syslog_line_dated_after_its_landing(tmp_path, syslog_year, expected):
    landing = tmp_path / "landing"
    _land(landing / "sshd" / "auth.log", [(FUTURE_SYSLOG_LINE, None, None)])
    project = DbtProject(tmp_path, landing, syslog_year=syslog_year)
    project.run("build", "--select", "stg_sshd__auth_log", "--exclude", "test_type:unit")
    (reason, at), = project.query("select coalesce(_quarantine_reason, 'staged'), event_at "
                                  "from staging.stg_sshd__auth_log")
    assert (reason, at if reason == "staged" else None) == expected


def test_a_source_with_no_files_builds_empty(tmp_path):
    landing = tmp_path / "landing"
    _land(landing / "windows" / "security.jsonl", WINDOWS_LINES[:1])
    project = DbtProject(tmp_path, landing)
    project.run("build", "--select", "+ocsf_authentication", "--exclude", "test_type:unit",
                "--indirect-selection", "cautious")
    assert project.query("select source_name, count(*) from ocsf_authentication group by 1") == [("windows", 1)]
