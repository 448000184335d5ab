"""Sigma rules compiled into detection models (secfeat.sigma): the project's
own test rules (tests/sigma_rules, every modifier and correlation type) over
random and hand-made vendor records, each rule's hits on DuckDB equal to an
independent Python evaluation of the same rule (sigma_reference). The models
are compiled into a copy of the project, its staging built from landed
files, and the hits read through the compiled models themselves."""

from __future__ import annotations

import json
import os
import random
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from conftest import PROJECT_ROOT, DbtProject
from secfeat.generate_yaml import DETECTION_MODELS_MACRO, detection_models
from secfeat.sigma.compiler import REPORT_FILE, compile_rules, load_rules
from secfeat.sigma.fields import LOG_SOURCES, log_source_of
from secfeat.warehouse import connect_build
from sigma.correlations import SigmaCorrelationRule
from sigma_reference import correlation_hits, rule_matches

TEST_RULES = PROJECT_ROOT / "tests" / "sigma_rules"
START = datetime(2026, 1, 5, 8, 0, 0)
COPIED = ("models", "macros", "seeds", "snapshots", "analyses", "python_models", "profiles", "dbt_project.yml",
          "selectors.yml", ".dbtignore", "tests")


def test_compile_report_is_deterministic_and_says_why(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    compile_rules([TEST_RULES], first)
    compile_rules([TEST_RULES], second)
    for path in sorted(first.iterdir()):
        assert path.read_text() == (second / path.name).read_text(), path.name
    report = (first / REPORT_FILE).read_text()
    assert "OriginalFileName: a Sysmon field that Security event 4688 does not record" in report
    assert "{product: linux, category: process_creation} is not one the warehouse stages" in report
    # the licence's condition: every model names its rule's author
    for model in first.glob("det_sigma_*.sql"):
        assert '"rule_author": "secfeat tests"' in model.read_text(), model.name


def test_the_rule_uri_and_a_broken_reference(tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "dangling.yml").write_text(
        "title: counts a rule nobody wrote\nname: t_dangling\nid: 00000000-0000-4000-8000-000000000099\n"
        "correlation: {type: event_count, rules: [no_such_rule], group-by: [eventName], timespan: 5m,"
        " condition: {gte: 2}}\n")
    shutil.copy(TEST_RULES / "other_sources.yml", rules)
    report = compile_rules([rules], tmp_path / "out", rule_url_base="https://example.org/rules/")
    dangling, = [outcome for outcome in report.outcomes if outcome.title == "counts a rule nobody wrote"]
    assert dangling.model is None and "no_such_rule" in dangling.reason
    text = (tmp_path / "out" / "det_sigma_t_windows.sql").read_text()
    assert '"rule_url": "https://example.org/rules/other_sources.yml"' in text


def test_a_rule_no_longer_given_loses_its_model(tmp_path):
    compile_rules([TEST_RULES], tmp_path)
    assert (tmp_path / "det_sigma_t_windows.sql").exists()
    compile_rules([TEST_RULES / "correlations.yml"], tmp_path)
    assert not (tmp_path / "det_sigma_t_windows.sql").exists()
    assert (tmp_path / "det_sigma_t_event_count.sql").exists()


# ---- records: random ones over a small vocabulary (so rules hit and miss), and edge cases
AGENTS = ["aws-cli/2.15 Python/3.11 Linux/6.1", "aws-cli/2.15 Python/3.11 Darwin", "Boto3/1.34.5 Python",
          "boto3/1.34", "Terraform/1.7 terraform-provider-aws", "console.amazonaws.com", None]
NAMES = ["CreateUser", "CreateAccessKey", "createaccesskey", "DeleteBucket", "deletebucket", "PutUserPolicy",
         "PutRolePolicy", "PutRolePolXcy", "ListBuckets", "AttachUserPolicy"]
ARNS = ["arn:aws:iam::1:user/alice", "arn:aws:iam::1:user/bob", "arn:aws:iam::1:user/Alice"]
IPS = ["10.1.2.3", "192.168.1.77", "192.168.2.1", "8.8.8.8", "010.0.0.1", "not-an-ip", None]
USER_DATA = ["curl http://x", "Y3VybCBodHRwOi8veA==", "ZWNobyB3Z2V0IGh0dHA=", "d2dldCBodHRw", "WGET", None]
COMMANDS = ["powershell -enc AAA", "powershell /enc AAA", "powershell –enc AAA", "cmd /c dir", None]


def _cloudtrail_record(rng: random.Random, at: datetime, index: int) -> dict:
    record = {
        "eventVersion": "1.08", "eventTime": at.strftime("%Y-%m-%dT%H:%M:%SZ"), "eventID": f"ev-{index}",
        "eventSource": "iam.amazonaws.com", "eventName": rng.choice(NAMES), "awsRegion": "us-east-1",
        "sourceIPAddress": rng.choice(IPS), "userAgent": rng.choice(AGENTS),
        "userIdentity": {"type": rng.choice(["IAMUser", "AWSService", "AssumedRole"]), "arn": rng.choice(ARNS),
                         "userName": rng.choice(["alice", "bob", "Alice"])},
        "requestParameters": {},
    }
    parameters = record["requestParameters"]
    if rng.random() < 0.5:
        parameters["policyArn"] = rng.choice(["arn:aws:iam::1:policy/admin", "arn:aws:iam::1:policy/ADMIN",
                                              "arn:aws:iam::1:policy/reader"])
    if rng.random() < 0.4:
        parameters["userName"] = rng.choice(["alice", "ALICE", "bob"])
    if rng.random() < 0.3:
        parameters["durationSeconds"] = rng.choice([900, 3600, 43200, "3600"])
    if rng.random() < 0.3:
        parameters["userData"] = rng.choice(USER_DATA)
    if rng.random() < 0.3:
        parameters["command"] = rng.choice(COMMANDS)
    if rng.random() < 0.4:
        record["errorCode"] = rng.choice(["AccessDenied", "accessdenied", "NoSuchEntity"])
    if rng.random() < 0.2:
        record["errorMessage"] = rng.choice(["100%_sure*", "100%Xsure*", "100%_surely"])
    if rng.random() < 0.3:
        record["additionalEventData"] = {"MFAUsed": rng.choice(["Yes", "No", None])}
    return record


EDGE_CLOUDTRAIL = [
    # a missing field under not: matches (null-safe negation)
    {"eventName": "CreateUser", "userIdentity": {"arn": "arn:x"}},
    # wildcard characters taken literally, and an escaped *
    {"eventName": "PutRolePolicy", "errorMessage": "100%_sure*"},
    {"eventName": "PutRolePolicy", "errorMessage": "100%Xsure*"},
    # JSON numbers compare as text; a quote in a value
    {"eventName": "Create'Quoted", "requestParameters": {"durationSeconds": 3600, "userName": "o'brien"},
     "userIdentity": {"userName": "O'Brien"}},
]


def _okta_record(rng: random.Random, at: datetime, index: int) -> dict:
    return {
        "uuid": f"okta-{index}", "published": at.strftime("%Y-%m-%dT%H:%M:%S.000Z"), "version": "0",
        "eventType": rng.choice(["user.mfa.factor.deactivate", "user.session.start", "user.mfa.factor.reset_all"]),
        "severity": "INFO", "actor": {"id": "u1", "type": "User", "alternateId": "alice@example.com"},
        "outcome": {"result": "SUCCESS"},
        "target": rng.choice([[], [{"displayName": "Admins"}], [{"displayName": "x"}, {"displayName": "super ADMIN"}],
                              [{"id": "no-name"}]]),
        "debugContext": {"debugData": rng.choice([{}, {"behaviors": "{New Device=POSITIVE, New IP=NEGATIVE}"},
                                                  {"behaviors": "{New Device=NEGATIVE}"}])},
        "client": {"ipAddress": "203.0.113.9"},
    }


def _windows_record(rng: random.Random, at: datetime, index: int) -> dict:
    event_id = rng.choice([4720, 4732, 4688, 4624])
    record = {"EventID": event_id, "Channel": "Security", "Hostname": "ws1.corp", "RecordNumber": index,
              "EventTime": at.strftime("%Y-%m-%d %H:%M:%S"), "@timestamp": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
              "TargetUserName": rng.choice(["svc$", "alice", "HOST$"]), "SubjectUserName": "admin"}
    if event_id == 4688:
        record["NewProcessName"] = rng.choice(["C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
                                               "C:\\Windows\\System32\\cmd.exe"])
        record["CommandLine"] = rng.choice(COMMANDS)
    return record


SSHD_LINES = [
    "Jan  5 08:00:01 host1 sshd[101]: error: buffer_get_ret: trying to get more bytes",
    "Jan  5 08:00:02 host1 sshd[102]: Bad protocol version identification 'GET /' from 1.2.3.4 port 5",
    "Jan  5 08:00:03 host1 sshd[103]: Accepted password for alice from 10.0.0.5 port 22 ssh2",
    "Jan  5 08:00:04 host1 sshd[104]: ERROR: BUFFER_GET_STRING failed",
]


def _land(landing: Path, seed: int) -> None:
    rng = random.Random(seed)
    cloudtrail = []
    for index in range(400):
        at = START + timedelta(seconds=rng.randrange(0, 3 * 3600))
        cloudtrail.append(_cloudtrail_record(rng, at, index))
    for index, edge in enumerate(EDGE_CLOUDTRAIL):
        cloudtrail.append({"eventTime": START.strftime("%Y-%m-%dT%H:%M:%SZ"), "eventID": f"edge-{index}",
                           "eventSource": "iam.amazonaws.com", "sourceIPAddress": "203.0.113.7", **edge})
    okta = [_okta_record(rng, START + timedelta(seconds=i * 7), i) for i in range(120)]
    windows = [_windows_record(rng, START + timedelta(seconds=i * 5), i) for i in range(150)]
    for folder, name, lines in (("cloudtrail", "trail.json", [json.dumps(r) for r in cloudtrail]),
                                ("okta", "log.json", [json.dumps(r) for r in okta]),
                                ("windows", "security.json", [json.dumps(r) for r in windows]),
                                ("sshd", "auth.log", SSHD_LINES)):
        (landing / folder).mkdir(parents=True, exist_ok=True)
        (landing / folder / name).write_text("\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def sigma_project(tmp_path_factory):
    """A copy of the project with the test rules compiled in, its staging built from random records."""
    root = tmp_path_factory.mktemp("sigma")
    project = root / "project"
    for name in COPIED:
        source = PROJECT_ROOT / name
        if source.is_dir():
            shutil.copytree(source, project / name, ignore=shutil.ignore_patterns("python", "fixtures", "__pycache__"))
        elif source.exists():
            shutil.copy(source, project / name)
    compile_rules([TEST_RULES], project / "models/detections/sigma")
    (project / DETECTION_MODELS_MACRO).write_text(detection_models(project))
    landing = root / "landing"
    _land(landing, seed=26)
    dbt = DbtProject(root, landing, as_of="2026-01-06 00:00:00")
    dbt.project_dir = project
    dbt.run("build", "--select", "+path:models/staging", "--exclude", "test_type:unit")
    return dbt


def _staged(dbt, staging_model: str) -> list[dict]:
    with connect_build(dbt.database) as con:
        rows = con.execute(f"select event_uid, event_at, cast(_vendor_record as varchar) from staging.{staging_model} "
                           "where _quarantine_reason is null and event_at is not null").fetchall()
    return [{"event_uid": uid, "event_at": at, "record": json.loads(record)} for uid, at, record in rows]


def _hits_query() -> str:
    """Every compiled test rule's hits, as (rule, event_uid): one query, one dbt invocation."""
    return " union all ".join(f"select '{name}' as rule, event_uid from {{{{ ref('det_sigma_{name}') }}}}"
                              for name, _ in _compiled_rules())


@pytest.fixture(scope="module")
def duckdb_hits(sigma_project) -> set[tuple[str, str]]:
    return set(sigma_project.show(_hits_query()))


def _expected(rule, log_source, rows) -> set[str]:
    if isinstance(rule, SigmaCorrelationRule):
        return correlation_hits(rule, rows, log_source)
    return {row["event_uid"] for row in rows if rule_matches(rule, row["record"], log_source)}


def _compiled_rules():
    documents, _ = load_rules([TEST_RULES])
    return [(rule.name, rule) for _, rule in documents if rule._output and rule.name not in
            ("t_missing_field", "t_missing_source")]


@pytest.mark.dbt
@pytest.mark.parametrize("name", [name for name, _ in _compiled_rules()])
def test_rule_hits_equal_an_independent_evaluation(sigma_project, duckdb_hits, name):
    rule = dict(_compiled_rules())[name]
    base = rule.rules[0].rule if isinstance(rule, SigmaCorrelationRule) else rule
    log_source = log_source_of(base.logsource)
    rows = _staged(sigma_project, log_source.staging_model)
    expected = _expected(rule, log_source, rows)
    actual = {event_uid for rule, event_uid in duckdb_hits if rule == name}
    assert expected, f"{name}: the records hold no hit: the test could not fail"
    assert len(expected) < len(rows), f"{name}: every record hits: the test could not fail"
    assert actual == expected, (f"{name}: only SQL {sorted(actual - expected)[:5]}, "
                                f"only reference {sorted(expected - actual)[:5]}")


def test_every_log_source_names_a_staging_model_with_vendor_records():
    staged = {path.stem for path in (PROJECT_ROOT / "models/staging").rglob("stg_*.sql")}
    for log_source in LOG_SOURCES:
        assert log_source.staging_model in staged, log_source.name
        text = next((PROJECT_ROOT / "models/staging").rglob(f"{log_source.staging_model}.sql")).read_text()
        assert "vendor_record=" in text, log_source.staging_model


@pytest.mark.dbt
@pytest.mark.spark
def test_spark_raises_the_same_hits_on_the_same_records(sigma_project, duckdb_hits, tmp_path):
    """The compiled rules on the Spark target, over the staged records `secfeat
    export-ocsf` writes as Parquet: every rule's hits equal DuckDB's."""
    pytest.importorskip("pyspark")
    from dbt.cli.main import dbtRunner

    from secfeat.export_ocsf import export_sigma_records

    parquet = tmp_path / "parquet"
    with connect_build(sigma_project.database) as con:
        export_sigma_records(con, parquet)
    names = [name for name, _ in _compiled_rules()]
    query = _hits_query()
    os.environ["SECFEAT_SPARK_DIR"] = str(tmp_path / "spark")
    os.environ["SECFEAT_SPARK_DRIVER_MEMORY"] = "1g"
    os.environ["SECFEAT_SPARK_SHUFFLE_PARTITIONS"] = "1"
    project = sigma_project.project_dir
    result = dbtRunner().invoke([
        "show", "--inline", query, "--limit", "-1", "--target", "spark",
        "--project-dir", str(project), "--profiles-dir", str(project / "profiles"),
        "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs"),
        "--vars", json.dumps({**sigma_project.vars, "ocsf_parquet_dir": str(parquet)}), "--quiet",
    ])
    assert result.success, result.exception
    spark_hits = {tuple(row) for row in result.result.results[0].agate_table.rows}
    assert {rule for rule, _ in duckdb_hits} == set(names), "a rule without hits could not tell the engines apart"
    assert spark_hits == duckdb_hits, (f"only on Spark {sorted(spark_hits - duckdb_hits)[:5]}, "
                                       f"only on DuckDB {sorted(duckdb_hits - spark_hits)[:5]}")


def test_attack_data_names_the_technique_and_the_version(tmp_path):
    """`secfeat sigma compile --attack-data`: ATT&CK's STIX bundle (a small one written here) names each
    rule's technique and the version; a technique ATT&CK revoked is listed, not named."""
    from secfeat import cli

    bundle = {"type": "bundle", "objects": [
        {"type": "x-mitre-collection", "x_mitre_version": "18.1"},
        {"type": "attack-pattern", "name": "Clear Windows Event Logs",
         "external_references": [{"source_name": "mitre-attack", "external_id": "T1070.001"}]},
        {"type": "attack-pattern", "name": "Old name", "revoked": True,
         "external_references": [{"source_name": "mitre-attack", "external_id": "T1098"}]},
    ]}
    (tmp_path / "attack.json").write_text(json.dumps(bundle))
    shutil.copytree(PROJECT_ROOT / "macros" / "detections", tmp_path / "macros" / "detections")
    (tmp_path / "models" / "detections").mkdir(parents=True)
    assert cli.main(["sigma", "compile", str(PROJECT_ROOT / "sigma_rules"), "--project-dir", str(tmp_path),
                     "--attack-data", str(tmp_path / "attack.json")]) == 0
    cleared = (tmp_path / "models/detections/sigma/det_sigma_windows_security_log_cleared.sql").read_text()
    assert '"attack_technique_name": "Clear Windows Event Logs"' in cleared
    assert '"attack_version": "ATT&CK Enterprise v18.1"' in cleared
    added = (tmp_path / "models/detections/sigma/det_sigma_windows_member_added_to_administrators.sql").read_text()
    assert '"attack_technique_name": none' in added and '"attack_unknown_techniques": ["T1098"]' in added
    assert cli.main(["sigma", "compile", str(PROJECT_ROOT / "sigma_rules"), "--project-dir", str(tmp_path),
                     "--attack-data", str(tmp_path / "missing.json")]) == 2
