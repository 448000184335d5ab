"""The staging layer over data nobody here wrote: the real vendor samples in
../shared/data/samples (read in place through symlinks, never copied), plus
the project's own fixtures for what no public sample shows (Okta, CloudTrail
batches and pretty-printed files, Entra interrupts). Every expectation is
derived from the raw files in plain Python (raw_reference), not from the
models' output."""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import pytest

import raw_reference
from secfeat import contract
from conftest import OCSF_CLASS_MODELS, PROJECT_ROOT, DbtProject, staged_event_counts

pytestmark = pytest.mark.dbt

FIXTURES = PROJECT_ROOT / "tests" / "fixtures"
SAMPLE_FOLDERS = {"windows": "windows", "sshd": "linux_sshd", "cloudtrail": "aws_cloudtrail", "entra": "entra_signin"}
FIXTURES_LANDED_AT = datetime(2026, 6, 1, 0, 10, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def vendor_build(tmp_path_factory, samples_dir) -> DbtProject:
    root = tmp_path_factory.mktemp("vendor_samples")
    landing = root / "landing"
    for source, folder in SAMPLE_FOLDERS.items():
        (landing / source).mkdir(parents=True, exist_ok=True)
        for path in (samples_dir / folder).iterdir():
            if path.name.endswith((".json", ".log")):
                (landing / source / path.name).symlink_to(path)  # read in place, never copied
    for path in FIXTURES.glob("*/*"):
        target = landing / path.parent.name / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        os.utime(target, (FIXTURES_LANDED_AT.timestamp(),) * 2)
    project = DbtProject(root, landing)
    project.run("build", "--select", "+landing_audit", "quarantine",
                "--exclude", "test_type:unit", "--indirect-selection", "cautious")
    return project


def landing_of(project: DbtProject) -> Path:
    return Path(project.vars["landing_dir"])


@pytest.mark.parametrize("source", contract.sources())
def test_staged_events_equal_an_independent_read_of_the_raw_files(vendor_build, source):
    expected = raw_reference.expected_events(landing_of(vendor_build), source)
    assert expected, f"no {source} events in the samples: the test would prove nothing"
    assert staged_event_counts(vendor_build, source) == expected


def test_every_raw_record_of_every_file_is_accounted_for(vendor_build):
    audited = dict(vendor_build.query("select source_file, sum(record_count)::bigint from landing_audit group by 1"))
    assert audited == raw_reference.raw_record_counts(landing_of(vendor_build))


def test_windows_event_ids_land_in_their_ocsf_classes(vendor_build, samples_dir):
    raw_ids = Counter()
    for path in (samples_dir / "windows").glob("*.json"):
        for line in path.read_text(encoding="utf-8").splitlines():
            raw_ids[int(json.loads(line)["EventID"])] += 1
    staged = Counter()
    for name in OCSF_CLASS_MODELS:
        rows = vendor_build.query(
            f"select metadata_event_code, count(*) from ocsf_{name} where source_name = 'windows' group by 1")
        staged.update({int(code): count for code, count in rows})
    assert staged == {event_id: n for event_id, n in raw_ids.items() if event_id in raw_reference.WINDOWS_CLASSES}
    assert staged[4672] > 0 and staged[4688] > 0  # privileges and processes, not only logons


def test_windows_processes_keep_their_hex_pids_and_parents(vendor_build, samples_dir):
    expected = set()
    for path in (samples_dir / "windows").glob("*.json"):
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            if record["EventID"] == 4688:
                expected.add((int(record["NewProcessId"], 16), record["NewProcessName"], int(record["ProcessId"], 16),
                              record["ParentProcessName"]))
    staged = set(vendor_build.query(
        "select process_pid, process_file_path, parent_process_pid, parent_process_file_path "
        "from ocsf_process_activity where activity_id = 1"))
    assert staged == expected


def test_cloudtrail_console_logins_and_shipper_timestamps(vendor_build, samples_dir):
    verdicts = Counter()
    shipped_times = {}
    for path in (samples_dir / "aws_cloudtrail").iterdir():
        if path.suffix not in (".json", ".log"):
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            if record["eventName"] == "ConsoleLogin":
                verdicts[record["responseElements"]["ConsoleLogin"]] += 1
            if "@timestamp" in record and "eventTime" not in record:
                shipped_times[record["eventID"]] = raw_reference._utc(record["@timestamp"])
    staged = Counter(dict(vendor_build.query(
        "select status, count(*) from ocsf_authentication where metadata_event_code = 'ConsoleLogin' "
        "and _source_file not like '%fixture%' and _source_file not like '%batch%' and _source_file not like '%edge%' "
        "group by 1")))
    assert staged == verdicts == Counter({"Success": 1, "Failure": 2})
    staged_times = dict(vendor_build.query(
        "select metadata_uid, event_at from ocsf_api_activity union all "
        "select metadata_uid, event_at from ocsf_authentication where source_name = 'cloudtrail'"))
    assert shipped_times and all(staged_times[uid] == at for uid, at in shipped_times.items())


def test_cloudtrail_framings_and_edge_cases(vendor_build):
    rows = vendor_build.query(
        """
        select regexp_extract(_source_file, '[^/]+$'), _source_line, _source_record,
               coalesce(_quarantine_reason, _ignored_reason, 'class ' || class_uid || ' status ' || status_id)
        from staging.stg_cloudtrail__events
        where _source_file like '%pretty%' or _source_file like '%batch%' or _source_file like '%edge%'
        order by 1, 2, 3
        """
    )
    assert rows == [
        ("credential_challenge_pretty.json", 1, 1, "class 3002 status 2"),  # one document over many lines
        ("edge_cases.jsonl", 1, 1, "missing_timestamp"),
        ("edge_cases.jsonl", 2, 1, "unknown_sign_in_result"),
        ("edge_cases.jsonl", 3, 1, "class 3002 status 1"),  # a service's DNS name is not a bad IP
        ("edge_cases.jsonl", 4, 1, "unparseable_ip"),
        ("edge_cases.jsonl", 5, 1, "blank_line"),
        ("edge_cases.jsonl", 6, 1, "malformed_json"),
        ("s3_delivery_batch.json", 1, 1, "class 3002 status 1"),  # root console login
        ("s3_delivery_batch.json", 1, 2, "class 3002 status 2"),  # AssumeRole denied
        ("s3_delivery_batch.json", 1, 3, "class 6003 status 1"),
        ("s3_delivery_batch.json", 1, 4, "class 6003 status 1"),
    ]
    users = dict(vendor_build.query(
        "select metadata_uid, user_name || ' / ' || coalesce(src_endpoint_ip, src_endpoint_domain) "
        "from ocsf_authentication where source_name = 'cloudtrail' and metadata_uid like '0a0a0a0a%'"))
    assert users == {
        "0a0a0a0a-0001-4000-8000-000000000001": "root / 198.51.100.44",
        "0a0a0a0a-0002-4000-8000-000000000002": "sam.okafor / 198.51.100.44",
        "0a0a0a0a-0007-4000-8000-000000000007": "i-0123456789abcdef0 / ec2.amazonaws.com",
    }
    verbs = dict(vendor_build.query("select api_operation, activity_name from ocsf_api_activity "
                                    "where api_operation in ('DeleteBucket', 'ListBuckets')"))
    assert verbs == {"DeleteBucket": "Delete", "ListBuckets": "Read"}


def test_entra_interrupts_are_never_failed_logins(vendor_build):
    landing = landing_of(vendor_build)
    interrupts = set(raw_reference.PROJECT_VARS["entra_interrupt_error_codes"])
    raw_codes = Counter()
    for path in raw_reference.landing_files(landing, "entra"):
        for _, _, record in raw_reference.json_records(path):
            if isinstance(record, dict) and record.get("category", "").endswith("SignInLogs"):
                raw_codes[int(record["resultType"])] += 1
    assert any(code in interrupts for code in raw_codes), "the fixtures must hold interrupts"
    staged = dict(vendor_build.query(
        "select status_code::integer, list_distinct(list(status_id)) from ocsf_authentication "
        "where source_name = 'entra' group by 1"))
    for code in raw_codes:
        if code in interrupts:
            assert staged[code] == [99], f"interrupt {code} must be status Other"
    failures, = vendor_build.query(
        "select count(*) from ocsf_authentication where source_name = 'entra' and status_id = 2")[0]
    assert failures == 2  # 50126 and 50053 in the fixture; the five 50140 records of a real export would add none


def test_entra_offsets_and_categories(vendor_build):
    rows = vendor_build.query(
        "select metadata_event_code, event_at, src_endpoint_location_country from ocsf_authentication "
        "where source_name = 'entra' and metadata_uid = '7c1e4b2a-0000-4000-8000-00000000aaaa' order by 1")
    # one sign-in id logged in two categories is two events; -05:00 is converted to UTC
    assert rows == [("NonInteractiveUserSignInLogs", datetime(2026, 5, 31, 14, 0, 5, 123456), "ES"),
                    ("SignInLogs", datetime(2026, 5, 31, 14, 0, 5, 123456), "ES")]
    quarantined = vendor_build.query("select reason from quarantine where source_name = 'entra'")
    assert quarantined == [("unknown_result_code",)]
    outcomes = dict(vendor_build.query(
        "select coalesce(reason, outcome), sum(record_count)::int from landing_audit "
        "where source_name = 'entra' and source_file like '%fixture%' group by 1"))
    assert outcomes == {"staged": 6, "duplicate": 1, "unknown_result_code": 1, "not_a_sign_in_log": 1}


def test_okta_fixture_outcomes(vendor_build):
    rows = vendor_build.query(
        "select metadata_uid, activity_id, status_id, status_detail, user_name, user_domain, "
        "src_endpoint_location_country from ocsf_authentication where source_name = 'okta' order by event_at")
    by_uid = {uid[9:13]: rest for uid, *rest in rows}
    assert by_uid == {
        "0001": [1, 1, "Sign-on policy evaluation resulted in ALLOW", "dana.reyes", "example.org", "US"],
        "0002": [1, 99, None, "dana.reyes", "example.org", "US"],  # an MFA challenge is not a failure
        "0003": [1, 1, None, "dana.reyes", "example.org", "US"],
        "0004": [1, 1, None, "dana.reyes", "example.org", "US"],
        "0005": [1, 2, "INVALID_CREDENTIALS", "lee.chan", "example.org", "RU"],
        "0006": [1, 2, "LOCKED_OUT", "lee.chan", "example.org", "RU"],
        "0007": [1, 2, "Sign-on policy evaluation resulted in DENY", "dana.reyes", "example.org", "DE"],
        "0012": [1, 1, None, "dana.reyes", "example.org", "US"],
        "0008": [2, 1, None, "dana.reyes", "example.org", "US"],
    }
    outcomes = dict(vendor_build.query(
        "select coalesce(reason, outcome), sum(record_count)::int from landing_audit "
        "where source_name = 'okta' group by 1"))
    assert outcomes == {"staged": 9, "duplicate": 1, "event_type_not_of_interest": 1, "unknown_outcome_result": 1,
                        "unmapped_event_type": 1, "malformed_json": 1}


def test_sshd_attempts_are_counted_once(vendor_build, samples_dir):
    """Every sshd event is one attempt: an outcome line, one of the N of a
    "message repeated N times" line, or a connection that left mid-attempt."""
    rows = vendor_build.query(
        "select count(*), count(distinct _source_line), sum(case when message like 'message repeated%' then 1 end) "
        "from ocsf_authentication where source_name = 'sshd'")
    events, lines, repeated = rows[0]
    raw = (samples_dir / "linux_sshd" / "OpenSSH_2k.part1.log").read_text(encoding="utf-8").splitlines()
    repeats = [int(line.split("message repeated ")[1].split()[0]) for line in raw if "message repeated" in line]
    assert repeated == sum(repeats) and events - lines == sum(repeats) - len(repeats)
    quarantined = vendor_build.query("select count(*) from quarantine where source_name = 'sshd'")[0][0]
    assert quarantined == 0  # every sshd message in the sample is a known kind


def test_google_workspace_activities_events_and_edge_cases(vendor_build):
    rows = vendor_build.query(
        """
        select _source_line, _source_record,
               coalesce(_quarantine_reason, _ignored_reason, activity_id || '/' || status_id)
        from staging.stg_google_workspace__login_activities
        order by 1, 2, 3
        """
    )
    assert rows == [
        (1, 1, "1/1"),  # login_success after a second factor
        (2, 1, "1/2"),  # login_failure
        (3, 1, "1/99"),  # a failed identity challenge is a prompt, never a failed login
        (4, 1, "1/99"),  # login_verification
        (5, 1, "2/1"),  # logout
        (6, 1, "1/99"),  # suspicious_login warning
        (7, 1, "1/1"), (7, 1, "1/99"),  # one activity, two events
        (8, 1, "event_not_of_interest"),
        (9, 1, "unmapped_event_name"),  # a name the mapping does not know yet
        (10, 1, "not_login_audit"),
        (11, 1, "missing_timestamp"),
        (12, 1, "unparseable_timestamp"),
        (13, 1, "future_timestamp"),
        (14, 1, "unparseable_ip"),
        (15, 1, "missing_user"),
        (16, 1, "missing_events"),
        (17, 1, "malformed_json"),
        (18, 1, "blank_line"),
        (19, 1, "1/1"),  # line 1 landed again: staged here, dropped as a duplicate in ocsf_authentication
        (20, 1, "1/1"), (20, 2, "1/2"),  # an API page of two activities
        (21, 1, "event_not_of_interest"),  # an account setting: password_edit
        (22, 1, "empty_page"),  # an API page with no activities leaves `items` out
    ]
    staged = vendor_build.query(
        "select user_key, user_email_addr, src_endpoint_ip, src_endpoint_location_country, is_mfa, severity_id "
        "from ocsf_authentication where source_name = 'google_workspace' and metadata_event_code = 'login_success' "
        "order by all")
    assert staged == [
        ("ari.kim", "ari.kim@corp.example", "192.0.2.77", "US", False, 1),
        ("dana.ruiz", "dana.ruiz@corp.example", "198.51.100.23", "US", True, 1),
        ("lee.okafor", "lee.okafor@corp.example", "2001:db8:4::17", "GB", True, 1),
    ]
    (warning,) = vendor_build.query("select user_key, severity, status_detail, event_at from ocsf_authentication "
                                    "where metadata_event_code = 'suspicious_login'")
    # timed at the attempt Google warns of (login_timestamp), not at the warning
    assert warning == ("dana.ruiz", "High", "suspicious_login", datetime(2026, 5, 31, 3, 14, 7, 512000))
