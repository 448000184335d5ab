"""`secfeat export-alerts`: the alerts model as OCSF 1.8.0 Detection Findings (2004), checked against the schema
files themselves (tests/python/ocsf_schema.py resolves them): every attribute path defined by the class or its
objects, types, enums, captions, constraints and required attributes; and the export's own promises (which alerts,
the time window's edges, nulls left out, the same rows giving the same bytes, reading only the published build).

`check_findings_conform(lines)` is the conformance check, for any export (an integration test on a real build)."""

from __future__ import annotations

import calendar
import io
import json
import math
import os
import re
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import pytest

import conftest
import secfeat
from ocsf_schema import Attribute, Definition, OcsfSchema, SchemaError
from secfeat import export_alerts, warehouse
from secfeat.export_alerts import ALERT_COLUMNS, AlertError

OCSF_CLASS = "detection_finding"
# timestamp_t is epoch milliseconds: 1e12..1e13 ms is 2001..2286, which seconds or microseconds miss
EPOCH_MILLISECONDS = (10**12, 10**13)
SOURCE_DEFINED_CAPTION = "Other"
# the warehouse a real build publishes, as the user's environment names it (read at import: dbt tests reset it)
REAL_WAREHOUSE = Path(os.environ.get("SECFEAT_DUCKDB_PATH") or conftest.PROJECT_ROOT / "secfeat.duckdb")
# what `make dbt-test` builds and publishes before pytest runs: CI's real build when there is no demo
TEST_WAREHOUSE = conftest.PROJECT_ROOT / ".make" / "test" / "secfeat.duckdb"


# ---------------------------------------------------------------- the conformance check


@lru_cache(maxsize=1)
def _schema() -> OcsfSchema:
    schema_dir = conftest.SHARED_DATA / "ocsf"
    if not (schema_dir / "version.json").is_file():
        pytest.skip(f"OCSF schema files not found at {schema_dir} (they sit beside the project in CI)")
    return OcsfSchema(schema_dir)


def _observable_types(schema: OcsfSchema) -> dict[str, str]:
    """observable.type_id as the OCSF server generates it: the file's 0 and 99, and every type, attribute and
    object of the dictionary that declares an observable number."""
    enum = dict(schema.attribute(schema.object("observable"), "type_id").enum)
    dictionary = schema.dictionary
    for section in (dictionary["types"]["attributes"], dictionary["attributes"]):
        enum.update({str(entry["observable"]): entry["caption"] for entry in section.values() if "observable" in entry})
    for name in schema.object_names:
        raw = json.loads((schema.root / "objects" / f"{name}.json").read_text(encoding="utf-8"))
        if "observable" in raw:
            enum[str(raw["observable"])] = raw["caption"]
    return enum


class _Checker:
    """Walks one finding against the resolved class, collecting every problem (not only the first)."""

    def __init__(self, schema: OcsfSchema, finding: dict):
        self.schema = schema
        self.finding = finding
        self.event_class = schema.event_class(OCSF_CLASS)
        self.derived = schema.derived_enums(OCSF_CLASS)
        self.observable_types = _observable_types(schema)
        metadata = finding.get("metadata") if isinstance(finding.get("metadata"), dict) else {}
        self.profiles = set(metadata.get("profiles") or [])
        self.problems: list[str] = []

    def enum_of(self, owner: Definition, attribute: Attribute) -> dict[str, str]:
        if owner is self.event_class and attribute.name in self.derived:
            return self.derived[attribute.name]
        if owner.name == "observable" and attribute.name == "type_id":
            return self.observable_types
        return attribute.enum

    def walk(self, owner: Definition, value: dict, path: str) -> None:
        for name, member in value.items():
            here = f"{path}.{name}" if path else name
            try:
                attribute = self.schema.attribute(owner, name)
            except SchemaError:
                self.problems.append(f"{here}: not an attribute of {owner.name}")
                continue
            if attribute.profile and attribute.profile not in self.profiles:
                self.problems.append(f"{here}: comes with the {attribute.profile} profile, "
                                     "which metadata.profiles does not apply")
            if "@deprecated" in attribute.definition:
                self.problems.append(f"{here}: deprecated ({attribute.definition['@deprecated'].get('message')})")
            if member is None:
                self.problems.append(f"{here}: null (leave an absent attribute out)")
            elif attribute.is_array:
                if not isinstance(member, list):
                    self.problems.append(f"{here}: {type(member).__name__}, expected an array")
                elif not member:
                    self.problems.append(f"{here}: an empty array (leave it out)")
                else:
                    for index, item in enumerate(member):
                        self.check_value(owner, attribute, item, f"{here}[{index}]")
            else:
                self.check_value(owner, attribute, member, here)
        for name in owner.attributes:
            attribute = self.schema.attribute(owner, name)
            required = attribute.is_required or (attribute.requirement == "required"
                                                 and attribute.profile in self.profiles)
            if required and name not in value:
                self.problems.append(f"{path + '.' if path else ''}{name}: required by {owner.name}, missing")
            if attribute.sibling and name in value and attribute.sibling in value:
                caption = self.enum_of(owner, attribute).get(str(value[name]))
                if caption not in (None, SOURCE_DEFINED_CAPTION) and value[attribute.sibling] != caption:
                    self.problems.append(f"{path + '.' if path else ''}{attribute.sibling}: "
                                         f"{value[attribute.sibling]!r}, the caption of {name} "
                                         f"{value[name]} is {caption!r}")
        for kind, names in owner.constraints.items():
            given = [name for name in names if value.get(name) not in (None, [], {})]
            if (kind == "at_least_one" and not given) or (kind == "just_one" and len(given) != 1):
                self.problems.append(f"{path or owner.name}: constraint {kind} {names}, has {given}")

    def check_value(self, owner: Definition, attribute: Attribute, value, path: str) -> None:
        if attribute.is_object:
            if not isinstance(value, dict):
                self.problems.append(f"{path}: {type(value).__name__}, expected a {attribute.type} object")
            elif attribute.type != "object":  # `object` (unmapped) is any collection of attributes
                self.walk(self.schema.object(attribute.type), value, path)
            return
        base = attribute.base_type
        is_int = isinstance(value, int) and not isinstance(value, bool)
        fits = {
            "string_t": isinstance(value, str),
            "integer_t": is_int,
            "long_t": is_int,
            "timestamp_t": is_int,
            "float_t": (is_int or isinstance(value, float)) and math.isfinite(value),
            "boolean_t": isinstance(value, bool),
            "json_t": True,
        }[base]
        if not fits:
            self.problems.append(f"{path}: {value!r} is not a {attribute.type} ({base})")
            return
        if base == "timestamp_t" and not EPOCH_MILLISECONDS[0] <= value < EPOCH_MILLISECONDS[1]:
            self.problems.append(f"{path}: {value} is not epoch milliseconds between 2001 and 2286")
        constraints = attribute.value_constraints
        if "regex" in constraints and not re.search(constraints["regex"], str(value)):
            self.problems.append(f"{path}: {value!r} does not match the {attribute.type} regex")
        if "max_len" in constraints and len(str(value)) > constraints["max_len"]:
            self.problems.append(f"{path}: longer than {constraints['max_len']}")
        if "range" in constraints and not constraints["range"][0] <= value <= constraints["range"][1]:
            self.problems.append(f"{path}: {value} outside {constraints['range']}")
        enum = self.enum_of(owner, attribute)
        if enum and str(value) not in enum:
            self.problems.append(f"{path}: {value!r} is not in the enum {sorted(enum, key=lambda k: (len(k), k))}")

    def check(self) -> list[str]:
        self.walk(self.event_class, self.finding, "")
        finding = self.finding
        if finding.get("class_uid") != self.schema.class_uid(OCSF_CLASS):
            self.problems.append(f"class_uid {finding.get('class_uid')}: the class is "
                                 f"{self.schema.class_uid(OCSF_CLASS)}")
        if finding.get("category_uid") != self.schema.category_uid(OCSF_CLASS):
            self.problems.append(f"category_uid {finding.get('category_uid')}: the class's category is "
                                 f"{self.schema.category_uid(OCSF_CLASS)}")
        if isinstance(finding.get("activity_id"), int) and \
                finding.get("type_uid") != finding.get("class_uid", 0) * 100 + finding["activity_id"]:
            self.problems.append(f"type_uid {finding.get('type_uid')} is not class_uid * 100 + activity_id")
        metadata = finding.get("metadata")
        version = metadata.get("version") if isinstance(metadata, dict) else None
        if version != self.schema.version:
            self.problems.append(f"metadata.version {version!r}: the schema files are {self.schema.version}")
        for index, observable in enumerate(finding.get("observables") or []):
            pointed = _pointer_value(finding, observable.get("name", "")) if isinstance(observable, dict) else None
            if "value" in observable and pointed != observable["value"]:
                self.problems.append(f"observables[{index}]: name {observable.get('name')!r} holds {pointed!r}, "
                                     f"value is {observable['value']!r}")
        return self.problems


def _pointer_value(finding, name: str):
    """The value an observable's name points at (evidences[0].user.name); None when it points at nothing."""
    value = finding
    for part in name.split("."):
        match = re.fullmatch(r"(\w+)(?:\[(\d+)\])?", part)
        if not match or not isinstance(value, dict) or match[1] not in value:
            return None
        value = value[match[1]]
        if match[2] is not None:
            if not isinstance(value, list) or int(match[2]) >= len(value):
                return None
            value = value[int(match[2])]
    return value


def _reject_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def check_findings_conform(lines, schema: OcsfSchema | None = None) -> list[dict]:
    """Assert that every line (an iterable of lines, or the text of a whole export) is one OCSF Detection
    Finding that conforms to the OCSF schema files in ../shared/data/ocsf (skips when they are absent), written
    as the export writes it: keys sorted, no whitespace, no NaN. Returns the findings; raises AssertionError
    listing every problem of every line."""
    schema = schema or _schema()
    if isinstance(lines, str):
        lines = lines.splitlines()
    findings, problems = [], []
    for number, line in enumerate(lines, 1):
        line = line.rstrip("\n")
        try:
            finding = json.loads(line, parse_constant=_reject_constant)
        except ValueError as error:
            problems.append(f"line {number}: not JSON ({error}): {line[:120]}")
            continue
        if not isinstance(finding, dict):
            problems.append(f"line {number}: a {type(finding).__name__}, not an object")
            continue
        if line != json.dumps(finding, sort_keys=True, separators=(",", ":")):
            problems.append(f"line {number}: not written with sorted keys and no whitespace")
        metadata = finding.get("metadata")
        uid = metadata.get("uid", "?") if isinstance(metadata, dict) else "?"
        problems += [f"line {number} ({uid}): {problem}" for problem in _Checker(schema, finding).check()]
        findings.append(finding)
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:50])
    return findings


# ---------------------------------------------------------------- hand-made alerts


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def alert(alert_id: str, **columns) -> dict:
    row = {column: None for column in ALERT_COLUMNS}
    row.update(alert_id=alert_id, status="raised", daily_rank=1, detection_kind="rule",
               detection="password_spray_fast", detections=["password_spray_fast"],
               severity="high", severity_id=4, entity_type="src_ip", entity_key="203.0.113.7", event_count=1)
    row.update(columns)
    row.setdefault("alert_day", None)
    if row["alert_day"] is None and row.get("first_event_at"):
        row["alert_day"] = row["first_event_at"].date()
    return row


SINCE, UNTIL = at("2026-10-29 00:00:00"), at("2026-10-30 00:00:00")

ALERTS = [
    # a rule on a source IP: a sub-technique, several detections and evidence uids
    alert("ALR-spray", first_event_at=at("2026-10-29 10:00:00"), last_event_at=at("2026-10-29 10:05:30.250"),
          detections=["brute_force", "password_spray_fast"], title="Password spray from one source IP",
          description="Password spray from one source IP: src_ip 203.0.113.7, 250 events",
          attack_technique_uid="T1110.003", attack_technique_name="Password Spraying",
          attack_tactic_uid="TA0006", attack_tactic_name="Credential Access", event_count=250,
          evidence_event_uids=["evt-0003", "evt-0001", "evt-0002"], daily_rank=2),
    # same first event as ALR-spray: alert_id decides the order
    alert("ALR-brute", first_event_at=at("2026-10-29 10:00:00"), last_event_at=at("2026-10-29 10:01:00"),
          detection="brute_force", detections=["brute_force"], title="Brute force", severity="medium",
          severity_id=3, entity_key="2001:db8::17", attack_technique_uid="T1110.001",
          attack_technique_name="Password Guessing", attack_tactic_uid="TA0006",
          attack_tactic_name="Credential Access", evidence_event_uids=["evt-0100"], daily_rank=3),
    # the model on a user: score, model name and version; microseconds in its times
    alert("ALR-model", first_event_at=at("2026-10-29 12:00:00.123456"), last_event_at=at("2026-10-29 12:00:01.5"),
          detection="login_risk_model", detections=["login_risk_model"], detection_kind="model",
          title="The login risk model scored a logon in its top range", description="niaj.parker, 1 event",
          attack_technique_uid="T1078", attack_technique_name="Valid Accounts", attack_tactic_uid="TA0001",
          attack_tactic_name="Initial Access", severity="critical", severity_id=5, entity_type="user",
          entity_key="niaj.parker", evidence_event_uids=["evt-0042"], score=0.973,
          model_name="secfeat_login_risk", model_version="3"),
    # nulls wherever the model allows them; its last event is exactly --since (included)
    alert("ALR-nulls", first_event_at=at("2026-10-28 23:50:00"), last_event_at=SINCE, detection="mfa_fatigue",
          detections=None, title=None, description=None, attack_technique_uid="T1621", severity="medium",
          severity_id=3, entity_type="user", entity_key="o'brien", event_count=None, daily_rank=4,
          alert_day=at("2026-10-28 23:50:00").date()),
    # over the day's budget: only with include_over_budget
    alert("ALR-over", status="over_budget", first_event_at=at("2026-10-29 09:00:00"),
          last_event_at=at("2026-10-29 09:30:00"), severity="low", severity_id=2, daily_rank=21,
          entity_key="198.51.100.9", evidence_event_uids=["evt-0500", "evt-0501"]),
    # last event exactly --until: excluded by it
    alert("ALR-until", first_event_at=at("2026-10-29 23:00:00"), last_event_at=UNTIL, entity_key="192.0.2.1"),
    # last event a microsecond before --since: excluded
    alert("ALR-before", first_event_at=at("2026-10-28 20:00:00"), last_event_at=at("2026-10-28 23:59:59.999999"),
          entity_key="192.0.2.2"),
]
BY_ID = {row["alert_id"]: row for row in ALERTS}
# a compiled Sigma rule on a host: its rule's id, author, licence and URI kept
SIGMA_ALERT = alert("ALR-sigma", first_event_at=at("2026-10-29 14:00:00"), last_event_at=at("2026-10-29 14:00:00"),
                    detection="sigma_windows_security_log_cleared", detections=["sigma_windows_security_log_cleared"],
                    title="Windows Security event log cleared", attack_technique_uid="T1070.001",
                    attack_tactic_uid="TA0005", attack_tactic_name="Defense Evasion", entity_type="host",
                    entity_key="ws1.corp", evidence_event_uids=["evt-0900"],
                    detection_rule_uid="6f1c52b4-0c2e-4a53-9d2f-1d3f7a0c5e06", detection_author="Jane Doe (@jd)",
                    detection_license="DRL-1.1",
                    detection_rule_url="https://github.com/SigmaHQ/sigma/blob/abc/rules/windows/log_cleared.yml")



def create_alerts(con, rows) -> None:
    con.execute(f"create table alerts ({', '.join(f'{name} {type_}' for name, type_ in ALERT_COLUMNS.items())})")
    if rows:
        con.executemany(f"insert into alerts values ({', '.join('?' * len(ALERT_COLUMNS))})",
                        [[row[column] for column in ALERT_COLUMNS] for row in rows])


@pytest.fixture
def alerts_con(tmp_path):
    import duckdb

    con = duckdb.connect(str(tmp_path / "alerts.duckdb"))
    create_alerts(con, ALERTS)
    yield con
    con.close()


def export(con, since=SINCE, until=UNTIL, **options) -> str:
    out = io.StringIO()
    export_alerts.write_findings(con, out, since, until, **options)
    return out.getvalue()


def exported(con, **options) -> dict[str, dict]:
    return {finding["metadata"]["uid"]: finding for finding in check_findings_conform(export(con, **options))}


def epoch_ms(text: str) -> int:
    moment = datetime.fromisoformat(text)
    return calendar.timegm(moment.timetuple()) * 1000 + moment.microsecond // 1000


# ---------------------------------------------------------------- the findings conform


def test_every_exported_finding_conforms_to_the_ocsf_schema(alerts_con):
    lines = export(alerts_con, since=at("2026-01-01"), until=None, include_over_budget=True)
    findings = check_findings_conform(lines)
    assert len(findings) == len(ALERTS)
    assert {finding["class_uid"] for finding in findings} == {_schema().class_uid(OCSF_CLASS)}


def test_the_export_fills_what_the_schema_recommends(alerts_con):
    """Conformance would pass a bare finding: the recommended attributes a SIEM reads must be there too (of the
    class itself, not its profiles; resources, status_code and the like have nothing to say here)."""
    schema = _schema()
    finding = exported(alerts_con)["ALR-spray"]
    for owner, value, expected in (
            (schema.event_class(OCSF_CLASS), finding,
             {"evidences", "is_alert", "message", "observables", "status_id", "timezone_offset"}),
            (schema.object("finding_info"), finding["finding_info"], {"analytic", "title"}),
            (schema.object("metadata"), finding["metadata"], {"log_name"}),
            (schema.object("product"), finding["metadata"]["product"], {"name", "vendor_name", "version"})):
        recommended = {name for name in owner.attributes if schema.attribute(owner, name).requirement
                       == "recommended" and not schema.attribute(owner, name).profile}
        assert expected <= recommended, f"{owner.name}: {expected - recommended} are not recommended"
        assert expected <= set(value), f"{owner.name}: {expected - set(value)} missing"


BROKEN = {
    "an attribute the class lacks": (lambda f: f["finding_info"].update(titel="x"), "not an attribute of"),
    "a required attribute missing": (lambda f: f["finding_info"].pop("uid"), "uid: required by finding_info"),
    "time as text": (lambda f: f.update(time="2026-10-29T10:05:30Z"), "is not a timestamp_t"),
    "time in seconds": (lambda f: f.update(time=f["time"] // 1000), "not epoch milliseconds"),
    "an id outside its enum": (lambda f: f.update(severity_id=7), "is not in the enum"),
    "a caption not its id's": (lambda f: f.update(severity="high"), "the caption of severity_id"),
    "an analytic type not its id's": (lambda f: f["finding_info"]["analytic"].update(type="Rule", type_id=4),
                                      "the caption of type_id"),
    "another class": (lambda f: f.update(class_uid=2003, type_uid=200301), "class_uid 2003"),
    "type_uid not class and activity": (lambda f: f.update(type_uid=200402), "class_uid * 100 + activity_id"),
    "another schema version": (lambda f: f["metadata"].update(version="1.7.0"), "metadata.version"),
    "an evidence naming nothing": (lambda f: f.update(evidences=[{"name": "x"}]), "constraint at_least_one"),
    "an IP that is none": (lambda f: f.update(evidences=[{"src_endpoint": {"ip": "not-an-ip"}}]), "regex"),
    "a null": (lambda f: f.update(message=None), "null"),
    "an empty array": (lambda f: f["finding_info"].update(related_events=[]), "empty array"),
    "an object as a scalar": (lambda f: f.update(metadata="secfeat"), "expected a metadata object"),
    "a profile not applied": (lambda f: f.update(priority_id=1), "incident profile"),
    "a deprecated attribute": (lambda f: f["finding_info"]["analytic"].update(related_analytics=[{"uid": "x",
                                                                                                  "type_id": 1}]),
                               "deprecated"),
    "an observable pointing elsewhere": (lambda f: f["observables"][0].update(value="10.0.0.1"), "holds"),
    "an observable type outside its enum": (lambda f: f["observables"][0].update(type_id=1000), "not in the enum"),
}


@pytest.mark.parametrize("breakage", list(BROKEN))
def test_the_conformance_check_fails_a_broken_finding(alerts_con, breakage):
    """The check must be able to fail: each of these breaks the schema once, and is caught."""
    finding = exported(alerts_con)["ALR-spray"]
    mutate, expected = BROKEN[breakage]
    mutate(finding)
    with pytest.raises(AssertionError, match=re.escape(expected)):
        check_findings_conform([json.dumps(finding, sort_keys=True, separators=(",", ":"))])


@pytest.mark.parametrize("line, expected", [
    ('{"time":NaN}', "not JSON"),
    ('{"b":1,"a":2}', "sorted keys"),
    ('[1]', "not an object"),
])
def test_the_conformance_check_fails_lines_the_export_never_writes(line, expected):
    with pytest.raises(AssertionError, match=expected):
        check_findings_conform([line])


# ---------------------------------------------------------------- the mapping


def test_a_rule_alert_on_a_source_ip(alerts_con):
    finding = exported(alerts_con)["ALR-spray"]
    row = BY_ID["ALR-spray"]
    assert (finding["class_uid"], finding["category_uid"], finding["activity_id"], finding["type_uid"]) == \
        (2004, 2, 1, 200401)
    assert finding["time"] == finding["end_time"] == epoch_ms("2026-10-29 10:05:30.250")
    assert finding["start_time"] == epoch_ms("2026-10-29 10:00:00")
    assert (finding["severity_id"], finding["severity"]) == (4, "High")
    assert (finding["status_id"], finding["status"], finding["is_alert"]) == (1, "New", True)
    assert finding["message"] == row["title"]
    info = finding["finding_info"]
    assert info["uid"] == finding["metadata"]["uid"] == "ALR-spray"
    assert (info["title"], info["desc"]) == (row["title"], row["description"])
    assert info["analytic"] == {"name": "password_spray_fast", "uid": "password_spray_fast", "type_id": 1,
                                "type": "Rule"}
    assert info["attacks"] == [{"sub_technique": {"uid": "T1110.003", "name": "Password Spraying"},
                                "technique": {"uid": "T1110"},
                                "tactic": {"uid": "TA0006", "name": "Credential Access"}}]
    assert (info["first_seen_time"], info["last_seen_time"]) == (finding["start_time"], finding["end_time"])
    assert info["related_events"] == [{"uid": "evt-0003"}, {"uid": "evt-0001"}, {"uid": "evt-0002"}]
    assert info["related_events_count"] == 250
    assert finding["evidences"] == [{"src_endpoint": {"ip": "203.0.113.7"}}]
    assert finding["observables"] == [{"name": "evidences[0].src_endpoint.ip", "type_id": 2, "type": "IP Address",
                                       "value": "203.0.113.7"}]
    assert finding["metadata"]["product"] == {"name": "secfeat", "vendor_name": "secfeat",
                                              "version": secfeat.__version__}
    assert "confidence_score" not in finding
    assert finding["unmapped"] == {"alert_day": "2026-10-29", "daily_rank": 2, "status": "raised",
                                   "detection_kind": "rule", "detections": ["brute_force", "password_spray_fast"],
                                   "entity_type": "src_ip", "entity_key": "203.0.113.7"}


def test_a_sigma_rule_alert_keeps_its_author_and_rule(tmp_path):
    import duckdb

    with duckdb.connect(str(tmp_path / "sigma.duckdb")) as con:
        create_alerts(con, [SIGMA_ALERT])
        finding = exported(con)["ALR-sigma"]
    info = finding["finding_info"]
    assert info["analytic"] == {"name": "sigma_windows_security_log_cleared",
                                "uid": "6f1c52b4-0c2e-4a53-9d2f-1d3f7a0c5e06", "type_id": 1, "type": "Rule",
                                "desc": "Rule by Jane Doe (@jd), under DRL-1.1"}
    assert info["tags"] == [{"name": "rule_author", "value": "Jane Doe (@jd)"},
                            {"name": "rule_license", "value": "DRL-1.1"}]
    assert info["src_url"] == "https://github.com/SigmaHQ/sigma/blob/abc/rules/windows/log_cleared.yml"
    assert finding["evidences"] == [{"device": {"hostname": "ws1.corp", "type_id": 0, "type": "Unknown"}}]
    assert finding["observables"] == [{"name": "evidences[0].device.hostname", "type_id": 1, "type": "Hostname",
                                       "value": "ws1.corp"}]


def test_a_model_alert_on_a_user(alerts_con):
    finding = exported(alerts_con)["ALR-model"]
    info = finding["finding_info"]
    assert info["analytic"] == {"name": "login_risk_model", "uid": "login_risk_model", "type_id": 4,
                                "type": "Learning (ML/DL)", "version": "3"}
    assert finding["confidence_score"] == 97
    assert (finding["severity_id"], finding["severity"]) == (5, "Critical")
    assert info["attacks"] == [{"technique": {"uid": "T1078", "name": "Valid Accounts"},
                                "tactic": {"uid": "TA0001", "name": "Initial Access"}}]
    # microseconds truncate to the millisecond
    assert (info["first_seen_time"], finding["time"]) == (epoch_ms("2026-10-29 12:00:00.123"),
                                                          epoch_ms("2026-10-29 12:00:01.500"))
    assert finding["evidences"] == [{"user": {"name": "niaj.parker"}}]
    assert finding["observables"][0]["type_id"] == 4
    assert {key: finding["unmapped"][key] for key in ("score", "model_name", "model_version")} == \
        {"score": 0.973, "model_name": "secfeat_login_risk", "model_version": "3"}


def test_nulls_are_left_out_not_written(alerts_con):
    line = next(line for line in export(alerts_con).splitlines() if '"ALR-nulls"' in line)
    assert ":null" not in line and "[null" not in line and ",null" not in line
    finding = json.loads(line)
    info = finding["finding_info"]
    assert not {"title", "desc", "related_events", "related_events_count"} & set(info)
    assert "message" not in finding
    assert info["attacks"] == [{"technique": {"uid": "T1621"}}]
    assert finding["evidences"] == [{"user": {"name": "o'brien"}}]
    assert not {"detections", "score", "model_name", "model_version"} & set(finding["unmapped"])


def test_a_rule_alert_keeps_a_co_firing_models_score_unmapped_not_as_its_confidence(alerts_con):
    row = {**BY_ID["ALR-spray"], "score": 0.5, "model_name": "secfeat_login_risk", "model_version": "3"}
    finding = export_alerts.to_finding(row)
    assert "confidence_score" not in finding and "version" not in finding["finding_info"]["analytic"]
    assert finding["unmapped"]["score"] == 0.5


# ---------------------------------------------------------------- which alerts


def ids(lines: str) -> list[str]:
    return [json.loads(line)["metadata"]["uid"] for line in lines.splitlines()]


def test_over_budget_alerts_only_when_asked(alerts_con):
    assert "ALR-over" not in ids(export(alerts_con))
    findings = exported(alerts_con, include_over_budget=True)
    assert findings["ALR-over"]["is_alert"] is False
    assert findings["ALR-over"]["unmapped"]["status"] == "over_budget"
    assert findings["ALR-over"]["status_id"] == 1


@pytest.mark.parametrize("since, until, expected", [
    # since <= last_event_at < until, in first_event_at, alert_id order
    (SINCE, UNTIL, ["ALR-nulls", "ALR-brute", "ALR-spray", "ALR-model"]),
    (SINCE, None, ["ALR-nulls", "ALR-brute", "ALR-spray", "ALR-model", "ALR-until"]),
    (at("2026-10-29 00:00:00.000001"), UNTIL, ["ALR-brute", "ALR-spray", "ALR-model"]),
    (at("2026-10-28 23:59:59.999999"), SINCE, ["ALR-before"]),
    (at("2026-10-29 10:05:30.250"), at("2026-10-29 12:00:01.5"), ["ALR-spray"]),
    # an offset is converted to UTC; a naive time is UTC
    (at("2026-10-29T02:00:00+02:00"), at("2026-10-29T23:00:00-01:00"),
     ["ALR-nulls", "ALR-brute", "ALR-spray", "ALR-model"]),
    (at("2026-10-30"), None, ["ALR-until"]),
    (at("2026-11-01"), None, []),
])
def test_the_window_is_since_inclusive_until_exclusive(alerts_con, since, until, expected):
    assert ids(export(alerts_con, since=since, until=until)) == expected


def test_consecutive_windows_export_every_alert_once(alerts_con):
    edges = [at("2026-10-28"), SINCE, at("2026-10-29 10:05:30.250"), UNTIL, at("2026-10-31")]
    parts = [ids(export(alerts_con, since=start, until=end)) for start, end in zip(edges, edges[1:])]
    everything = ids(export(alerts_con, since=edges[0], until=None))
    assert sorted(uid for part in parts for uid in part) == sorted(everything)
    assert len(everything) == len(ALERTS) - 1  # all but over budget


def test_an_empty_window_is_empty_and_until_must_follow_since(alerts_con):
    assert export(alerts_con, since=at("2030-01-01"), until=None) == ""
    with pytest.raises(ValueError, match="must be after"):
        export(alerts_con, since=UNTIL, until=SINCE)
    with pytest.raises(ValueError, match="must be after"):
        export(alerts_con, since=SINCE, until=SINCE)


def test_the_same_rows_give_the_same_bytes(tmp_path):
    import duckdb

    outputs = []
    for name, rows in (("forward", ALERTS), ("reversed", ALERTS[::-1]), ("again", ALERTS)):
        con = duckdb.connect(str(tmp_path / f"{name}.duckdb"))
        try:
            create_alerts(con, rows)
            outputs.append(export(con, since=at("2026-01-01"), until=None, include_over_budget=True).encode())
        finally:
            con.close()
    assert outputs[0] == outputs[1] == outputs[2]
    assert outputs[0].count(b"\n") == len(ALERTS)


@pytest.mark.parametrize("change, expected", [
    ({"score": math.nan}, "not in [0, 1]"),
    ({"score": math.inf}, "not in [0, 1]"),
    ({"score": 1.5}, "not in [0, 1]"),
    ({"severity": "low"}, "is not severity_id 5"),
    ({"severity_id": 9}, "severity_id 9"),
    ({"detection_kind": "heuristic"}, "detection_kind 'heuristic'"),
    ({"entity_type": "mailbox"}, "entity_type 'mailbox'"),
    ({"last_event_at": None}, "last_event_at is null"),
    ({"alert_id": None}, "no alert_id"),
])
def test_a_row_that_cannot_conform_is_an_error_not_a_line(change, expected):
    with pytest.raises(AlertError, match=re.escape(expected)):
        export_alerts.to_finding({**BY_ID["ALR-model"], **change})


def test_a_warehouse_without_the_alerts_model_says_so(tmp_path):
    import duckdb

    con = duckdb.connect(str(tmp_path / "empty.duckdb"))
    try:
        with pytest.raises(ValueError, match="no alerts table"):
            export(con)
        con.execute("create table alerts (alert_id varchar, status varchar, last_event_at timestamp)")
        with pytest.raises(ValueError, match="has no alert_day"):
            export(con)
    finally:
        con.close()


# ---------------------------------------------------------------- the command, on a published build


@pytest.fixture
def published(tmp_path):
    """A build warehouse holding the alerts, published; then changed, as the next build would, unpublished."""
    database = tmp_path / "secfeat.duckdb"
    con = warehouse.connect_build(database)
    try:
        create_alerts(con, ALERTS)
    finally:
        con.close()
    warehouse.publish(database)
    con = warehouse.connect_build(database)
    try:  # a build in progress: readers must not see it
        con.execute("delete from alerts where alert_id = 'ALR-spray'")
        con.execute("update alerts set title = 'unpublished' where alert_id = 'ALR-model'")
    finally:
        con.close()
    return database


def run_cli(*args: str) -> int:
    from secfeat.cli import main

    return main(["export-alerts", *args])


def test_export_alerts_writes_the_published_build_to_a_file(published, tmp_path, capsys):
    out = tmp_path / "findings.jsonl"
    code = run_cli("--duckdb", str(published), "--since", "2026-10-29", "--until", "2026-10-30", "--out", str(out))
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.out == ""
    assert "Exported 4 findings from build" in captured.err
    text = out.read_text(encoding="utf-8")
    findings = check_findings_conform(text)
    assert [finding["metadata"]["uid"] for finding in findings] == ["ALR-nulls", "ALR-brute", "ALR-spray",
                                                                    "ALR-model"]
    assert "unpublished" not in text  # the published build, not the warehouse being built
    assert text.encode() == "".join(export_alerts.findings_lines(
        BY_ID[uid] for uid in ("ALR-nulls", "ALR-brute", "ALR-spray", "ALR-model"))).encode()
    assert not list(tmp_path.glob(".findings.jsonl.partial-*"))


def test_export_alerts_writes_stdout_and_over_budget_when_asked(published, capsys):
    code = run_cli("--duckdb", str(published), "--since", "2026-10-29T00:00:00Z", "--include-over-budget")
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert ids(captured.out) == ["ALR-nulls", "ALR-over", "ALR-brute", "ALR-spray", "ALR-model", "ALR-until"]
    check_findings_conform(captured.out)
    assert "to stdout" in captured.err


def test_export_alerts_reads_the_warehouse_secfeat_duckdb_path_names(published, monkeypatch, capsys):
    monkeypatch.setenv("SECFEAT_DUCKDB_PATH", str(published))
    assert run_cli("--since", "2026-10-29", "--until", "2026-10-30") == 0
    assert len(capsys.readouterr().out.splitlines()) == 4


def test_export_alerts_errors_name_what_to_do(tmp_path, capsys):
    database = tmp_path / "secfeat.duckdb"
    assert run_cli("--duckdb", str(database), "--since", "2026-10-29") == 2
    assert "nothing is published" in capsys.readouterr().err
    con = warehouse.connect_build(database)
    try:
        con.execute("create table something_else (x integer)")
    finally:
        con.close()
    warehouse.publish(database)
    assert run_cli("--duckdb", str(database), "--since", "2026-10-29") == 2
    assert "no alerts table" in capsys.readouterr().err
    assert run_cli("--duckdb", str(database), "--since", "2026-10-30", "--until", "2026-10-29") == 2
    assert "must be after" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        run_cli("--duckdb", str(database), "--since", "yesterday")


def test_a_failed_export_leaves_no_file(published, tmp_path, monkeypatch, capsys):
    out = tmp_path / "findings.jsonl"
    out.write_text("the previous export\n")

    def broken(alert):
        raise AlertError("alert ALR-x: broken")

    monkeypatch.setattr(export_alerts, "to_finding", broken)
    assert run_cli("--duckdb", str(published), "--since", "2026-10-29", "--out", str(out)) == 2
    assert "broken" in capsys.readouterr().err
    assert out.read_text() == "the previous export\n"
    assert not list(tmp_path.glob(".findings.jsonl.partial-*"))


# ---------------------------------------------------------------- a real build


def _real_alerts():
    """The current published build of the real warehouse (else of `make dbt-test`'s), when it has the alerts
    model; else skip."""
    for database in (REAL_WAREHOUSE, TEST_WAREHOUSE):
        try:
            build, con = warehouse.open_current(database)
            break
        except warehouse.NothingPublished:
            continue
    else:
        pytest.skip(f"no build of {REAL_WAREHOUSE} or {TEST_WAREHOUSE} is published")
    (has_alerts,), = con.execute("select count(*) from duckdb_tables() where database_name = current_database() "
                                 "and table_name = 'alerts'").fetchall()
    if not has_alerts:
        con.close()
        pytest.skip(f"the published build {build.build_id} has no alerts table")
    return build, con


def test_the_real_published_alerts_export_as_conforming_findings():
    """Runs only when a real build's published warehouse has the alerts model: its columns are those the export
    reads, and every alert, raised or over budget (not withdrawn), is a conforming finding."""
    build, con = _real_alerts()
    try:
        columns = dict(con.execute("select column_name, data_type from duckdb_columns() "
                                   "where database_name = current_database() and table_name = 'alerts'").fetchall())
        # the export reads any integer width (row_number() is a BIGINT)
        width = {"TINYINT": "INTEGER", "SMALLINT": "INTEGER", "BIGINT": "INTEGER", "HUGEINT": "INTEGER"}
        assert {name: width.get(columns.get(name), columns.get(name)) for name in ALERT_COLUMNS} == \
            {name: width.get(type_, type_) for name, type_ in ALERT_COLUMNS.items()}
        (alert_count,), = con.execute("select count(*) from alerts where status != 'withdrawn'").fetchall()
        lines = export(con, since=at("1970-01-01"), until=None, include_over_budget=True)
    finally:
        con.close()
    findings = check_findings_conform(lines)
    assert len(findings) == alert_count, f"build {build.build_id}"
