"""Bad input is quarantined with a reason or ignored by reason, line by line;
nothing is lost and nothing breaks the build. Fixtures written here, by hand."""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone

import pytest

from conftest import OCSF_CLASS_MODELS, DbtProject

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
    ('"a string"', "quarantined", "not_a_json_object"),
    (_logon(RecordNumber=4, EventTime=None), "quarantined", "missing_timestamp"),
    (_logon(RecordNumber=5, EventTime="yesterday at noon"), "quarantined", "unparseable_timestamp"),
    (_logon(RecordNumber=6, EventTime="2026-06-02 01:00:00"), "quarantined", "future_timestamp"),
    (_logon(RecordNumber=7, IpAddress="10.0.0.999"), "quarantined", "unparseable_ip"),
    (_logon(RecordNumber=8, TargetUserName="-"), "quarantined", "missing_user"),
    (_logon(RecordNumber=9, EventID="four"), "quarantined", "missing_event_id"),
    (_logon(RecordNumber=10, EventID=5156), "ignored", "event_id_not_of_interest"),
    (_logon(RecordNumber=11, Channel="System"), "ignored", "not_security_channel"),
    (_logon(RecordNumber=12, EventID=1102), "ignored", "unmapped_event_id"),  # valid, of a type not mapped
    (_logon(RecordNumber=13, EventID=4672, TargetUserName=None, SubjectUserName="alice",
            PrivilegeList="SeDebugPrivilege\r\n\t\t\tSeBackupPrivilege"), "staged", None),
    (_logon(RecordNumber=14, EventID=4688, TargetUserName=None, SubjectUserName="alice", NewProcessId="0x1a2c",
            NewProcessName="C:\\Windows\\System32\\cmd.exe", ProcessId="0x3e8",
            ParentProcessName="C:\\Windows\\explorer.exe", CommandLine="cmd.exe /c whoami"), "staged", None),
    (_logon(RecordNumber=15, EventID=4688, TargetUserName=None, SubjectUserName="-"), "quarantined", "missing_user"),
    ("", "ignored", "blank_line"),
]
SSHD_LINES = [
    ("Jun  1 10:00:00 bastion-01 sshd[100]: Failed password for root from 203.0.113.9 port 4000 ssh2",
     "staged", None),
    ("Jun  1 10:00:05 bastion-01 sshd[101]: Accepted publickey for bob from 10.0.0.7 port 4001 ssh2: RSA SHA256:x",
     "staged", None),
    ("Jun  1 10:00:06 bastion-01 sshd[102]: Failed password for invalid user  0101 from 203.0.113.9 port 4002 ssh2",
     "staged", None),
    # a connection that left before its outcome line: pam_unix's failure is the attempt
    ("Jun  1 10:00:07 bastion-01 sshd[103]: Invalid user admin from 203.0.113.9", "ignored", "part_of_logged_attempt"),
    ("Jun  1 10:00:07 bastion-01 sshd[103]: pam_unix(sshd:auth): authentication failure; rhost=203.0.113.9",
     "staged", None),
    ("Jun  1 10:00:07 bastion-01 sshd[103]: Connection closed by 203.0.113.9 [preauth]",
     "ignored", "connection_lifecycle"),
    ("Jun  1 10:00:08 bastion-01 CRON[104]: pam_unix(cron:session): session opened for user root", "ignored",
     "not_sshd"),
    ("this is not syslog", "quarantined", "unrecognized_record_shape"),
    ("Jun  1 10:00:09 bastion-01 sshd[106]: Failed password for root from 203.0.113.999 port 4004 ssh2",
     "quarantined", "unparseable_ip"),
    # one attempt written on five lines of one connection is one event
    ("Jun  1 10:00:10 bastion-01 sshd[107]: Invalid user oracle from 203.0.113.9", "ignored", "part_of_logged_attempt"),
    ("Jun  1 10:00:10 bastion-01 sshd[107]: input_userauth_request: invalid user oracle [preauth]",
     "ignored", "part_of_logged_attempt"),
    ("Jun  1 10:00:10 bastion-01 sshd[107]: pam_unix(sshd:auth): check pass; user unknown",
     "ignored", "part_of_logged_attempt"),
    ("Jun  1 10:00:10 bastion-01 sshd[107]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 "
     "tty=ssh ruser= rhost=203.0.113.9", "ignored", "part_of_logged_attempt"),
    ("Jun  1 10:00:12 bastion-01 sshd[107]: Failed password for invalid user oracle from 203.0.113.9 port 4005 ssh2",
     "staged", None),
    # sshd's compression of identical lines: three more attempts
    ("Jun  1 10:00:20 bastion-01 sshd[108]: Failed password for root from 203.0.113.9 port 4006 ssh2",
     "staged", None),
    ("Jun  1 10:00:24 bastion-01 sshd[108]: message repeated 3 times: [ Failed password for root from 203.0.113.9 "
     "port 4006 ssh2]", "staged", None),
    ("Jun  1 10:00:24 bastion-01 sshd[108]: PAM 3 more authentication failures; logname= uid=0 euid=0 tty=ssh "
     "ruser= rhost=203.0.113.9  user=root", "ignored", "summary_of_logged_attempts"),
    # an orphan attempt without a user name cannot be an OCSF Authentication
    ("Jun  1 10:00:30 bastion-01 sshd[109]: pam_unix(sshd:auth): authentication failure; rhost=203.0.113.9",
     "quarantined", "missing_user"),
    # a valid sshd line of a kind not mapped
    ("Jun  1 10:00:31 bastion-01 sshd[110]: Frobnicating the flux capacitor", "ignored", "unmapped_sshd_message"),
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
    project.run("build", "--select", "+landing_audit", "quarantine",
                "--exclude", "test_type:unit", "--indirect-selection", "cautious")
    return project


STAGED_POINTERS = " union all ".join(
    f"select event_uid, _source_file, _source_line from ocsf_{name}"
    for name in OCSF_CLASS_MODELS
)


@pytest.mark.parametrize("source, lines", [("windows", WINDOWS_LINES), ("sshd", SSHD_LINES)])
def test_each_line_gets_its_expected_outcome(fixture_build, source, lines):
    rows = fixture_build.query(
        f"""
        with staged as ({STAGED_POINTERS})
        select s._source_line, any_value(coalesce(s._quarantine_reason, s._ignored_reason)),
               case when bool_or(s._quarantine_reason is not null) then 'quarantined'
                    when bool_or(s._ignored_reason is not null) then 'ignored'
                    when count(o.event_uid) > 0 then 'staged' else 'duplicate' end
        from staging.{ 'stg_windows__security_events' if source == 'windows' else 'stg_sshd__auth_log'} as s
        left join staged as o
            on s.event_uid = o.event_uid and s._source_file = o._source_file and s._source_line = o._source_line
        group by 1
        order by 1
        """
    )
    expected = [(number, reason, outcome) for number, (_, outcome, reason) in enumerate(lines, start=1)]
    assert rows == expected


def test_quarantine_keeps_the_raw_text(fixture_build):
    rows = fixture_build.query("select source_name, source_line, reason, raw_text from quarantine")
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
        ("admin", 2, "USER_DOES_NOT_EXIST", "Unknown"),
        ("oracle", 2, "USER_DOES_NOT_EXIST", "password"),
        *[("root", 2, "INVALID_CREDENTIALS", "password")] * 4,
    ]


def test_windows_privileges_and_processes(fixture_build):
    privileges = fixture_build.query("select user_key, privileges from ocsf_authorize_session")
    assert privileges == [("alice", ["SeDebugPrivilege", "SeBackupPrivilege"])]
    processes = fixture_build.query(
        "select user_key, process_pid, process_name, parent_process_pid, parent_process_name, process_cmd_line "
        "from ocsf_process_activity"
    )
    assert processes == [("alice", 0x1A2C, "cmd.exe", 0x3E8, "explorer.exe", "cmd.exe /c whoami")]


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
    project.run("build", "--select", "landing_lines", "stg_sshd__auth_log", "--exclude", "test_type:unit")
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
