"""What a careful analyst would stage from the raw files, computed in plain
Python straight from the vendors' documented formats, independently of the
SQL models. Tests compare the warehouse against these counts.

Each reader returns the expected OCSF events as (class_uid, activity_id,
status_id) tuples keyed by the event's identity in the vendor's terms, after
dropping what the project's rules quarantine or ignore and keeping the first
landing of an event landed twice."""

from __future__ import annotations

import json
import os
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CLOCK_SKEW = timedelta(minutes=15)
PROJECT_VARS = yaml.safe_load((PROJECT_ROOT / "dbt_project.yml").read_text())["vars"]

WINDOWS_CLASSES = {
    4624: (3002, 1), 4625: (3002, 1), 4634: (3002, 2), 4647: (3002, 2), 4768: (3002, 3), 4769: (3002, 4),
    4771: (3002, 6), 4776: (3002, 99), 4672: (3003, 1), 4688: (1007, 1), 4689: (1007, 2),
}
SUBJECT_EVENTS = {4672, 4688, 4689}
CLOUDTRAIL_AUTHENTICATION = {
    "ConsoleLogin", "ExternalIdPDirectoryLogin", "CredentialChallenge", "CredentialVerification",
    "UserAuthentication", "SwitchRole", "AssumeRole", "AssumeRoleWithSAML", "AssumeRoleWithWebIdentity",
}
OKTA_RESULTS = {"SUCCESS": 1, "ALLOW": 1, "FAILURE": 2, "DENY": 2, "CHALLENGE": 99, "SKIPPED": 99, "UNKNOWN": 0}
SYSLOG = re.compile(r"^([A-Z][a-z]{2}) +(\d{1,2}) (\d\d:\d\d:\d\d) (\S+) ([A-Za-z0-9_./-]+)(?:\[(\d+)\])?: (.*)$")
SSHD_OUTCOME = re.compile(
    r"^(?:message repeated (\d+) times: \[ ?)?(Accepted|Failed) \S+ for (?:invalid user )?(.*?) from (\S+) port \d+"
)
SSHD_ATTEMPT_EVIDENCE = re.compile(r"^(Invalid user |pam_unix\(sshd:auth\): authentication failure;)")


def landed_at(path: Path) -> datetime:
    return datetime.fromtimestamp(os.path.getmtime(path), timezone.utc).replace(tzinfo=None)


def _utc(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(re.sub(r"(\.\d{6})\d+", r"\1", text.replace("Z", "+00:00")))
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def _blank(value) -> bool:
    return value is None or str(value).strip() in ("", "-")


def _is_ip(text: str) -> bool:
    text = text.lower().removeprefix("::ffff:")
    if re.fullmatch(r"(\d{1,3}\.){3}\d{1,3}", text):
        return all(int(part) <= 255 for part in text.split("."))
    return bool(re.fullmatch(r"[0-9a-f:]*:[0-9a-f:.]*(%[0-9a-z]+)?", text))


def landing_files(landing: Path, source: str) -> list[Path]:
    """In the order first landings win: by landing time, then name."""
    folder = landing / source
    if not folder.is_dir():
        return []
    return sorted((p for p in folder.iterdir() if p.is_file()), key=lambda p: (landed_at(p), str(p)))


def json_records(path: Path, batch_keys: tuple[str, ...] = ("Records", "records")) -> list[tuple[int, int, object]]:
    """(line, record, parsed or None) for every raw record, however framed: a top-level
    array, or an object whose batch_keys member is an array, is a batch."""
    text = path.read_text(encoding="utf-8")
    units: list[tuple[int, str]]
    try:
        units = [(1, text)] if text.strip() and json.loads(text) is not None else []
    except json.JSONDecodeError:
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        units = list(enumerate((line.rstrip("\r") for line in lines), start=1))
    records = []
    for line_number, unit in units:
        try:
            parsed = json.loads(unit) if unit.strip() else None
        except json.JSONDecodeError:
            parsed = None
        batch = None
        if isinstance(parsed, list):
            batch = parsed
        elif isinstance(parsed, dict):
            batch = next((parsed[k] for k in batch_keys if isinstance(parsed.get(k), list)), None)
        if batch is None:
            records.append((line_number, 1, parsed))
        elif not batch:
            records.append((line_number, 1, None))
        else:
            records.extend((line_number, index, item) for index, item in enumerate(batch, start=1))
    return records


def raw_record_counts(landing: Path) -> dict[str, int]:
    """Raw records per landed file: lines for text sources, JSON records for the others."""
    counts = {}
    for source, reader in READERS.items():
        for path in landing_files(landing, source):
            if reader.framing == "lines":
                counts[str(path)] = len(path.read_text(encoding="utf-8").splitlines())
            else:
                counts[str(path)] = len(json_records(path, reader.batch_keys))
    return counts


# ---------------------------------------------------------------- one reader per vendor


def windows_events(landing: Path) -> dict[tuple, tuple]:
    events: dict[tuple, tuple] = {}
    ignored_ids = set(PROJECT_VARS["windows_ignored_event_ids"])
    for path in landing_files(landing, "windows"):
        landed = landed_at(path)
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            event_id = int(record["EventID"]) if str(record.get("EventID", "")).isdigit() else None
            if record.get("Channel") != "Security" or event_id in ignored_ids or event_id not in WINDOWS_CLASSES:
                continue
            at = datetime.strptime(record["EventTime"], "%Y-%m-%d %H:%M:%S")
            if "@timestamp" in record:  # the collector's offset, as the shipper reveals it
                received = datetime.strptime(record["EventReceivedTime"], "%Y-%m-%d %H:%M:%S")
                at += timedelta(seconds=round((_utc(record["@timestamp"]) - received).total_seconds() / 900) * 900)
            account = record.get("SubjectUserName" if event_id in SUBJECT_EVENTS else "TargetUserName")
            if _blank(account) and event_id not in SUBJECT_EVENTS:
                account = record.get("SubjectUserName")
            ip = record.get("IpAddress")
            if at > landed + CLOCK_SKEW or _blank(account) or (not _blank(ip) and not _is_ip(ip)):
                continue
            status = str(record.get("Status", "0x0")).lower()
            if event_id in (4625, 4771) or (event_id in (4768, 4769, 4776) and status not in ("0x0", "0")):
                status_id = 2
            else:
                status_id = 1
            key = (record["Hostname"].lower(), str(record["RecordNumber"]), event_id)
            events.setdefault(key, (*WINDOWS_CLASSES[event_id], status_id))
    return events


def sshd_events(landing: Path) -> dict[tuple, tuple]:
    """Outcome lines are attempts ("message repeated N times" is N); a
    connection (file, host, pid) with none but an "Invalid user" or pam
    "authentication failure" line is one failed attempt."""
    events: dict[tuple, tuple] = {}
    for path in landing_files(landing, "sshd"):
        connections: dict[tuple, list] = defaultdict(list)
        occurrences: Counter = Counter()
        for line in path.read_text(encoding="utf-8").splitlines():
            match = SYSLOG.match(line)
            if not match or match.group(5) != "sshd":
                continue
            month, day, clock, host, _, pid, message = match.groups()
            occurrences[(host, pid, month, day, clock, message)] += 1
            identity = (host.lower(), pid, month, day, clock, message, occurrences[(host, pid, month, day, clock, message)])
            connections[(host.lower(), pid)].append((identity, message))
        for lines in connections.values():
            outcomes = [(identity, SSHD_OUTCOME.match(message)) for identity, message in lines]
            outcomes = [(identity, match) for identity, match in outcomes if match]
            for identity, match in outcomes:
                if not match.group(3).strip() or not _is_ip(match.group(4)):
                    continue
                for repeat in range(int(match.group(1) or 1)):
                    events.setdefault((*identity, repeat), (3002, 1, 1 if match.group(2) == "Accepted" else 2))
            evidence = [identity for identity, message in lines if SSHD_ATTEMPT_EVIDENCE.match(message)]
            if not outcomes and evidence:
                events.setdefault((*evidence[0], 0), (3002, 1, 2))
    return events


def cloudtrail_events(landing: Path) -> dict[tuple, tuple]:
    events: dict[tuple, tuple] = {}
    for path in landing_files(landing, "cloudtrail"):
        landed = landed_at(path)
        for _, _, record in json_records(path):
            if not isinstance(record, dict) or not record.get("eventName"):
                continue
            name = record["eventName"]
            at = _utc(record.get("eventTime") or record.get("@timestamp"))
            if at is None or at > landed + CLOCK_SKEW:
                continue
            address = record.get("sourceIPAddress") or ""
            if re.fullmatch(r"[0-9.]+|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*", address) and not _is_ip(address):
                continue  # an address that is not one; a service's DNS name is fine
            identity = record.get("userIdentity") or {}
            verdict = (record.get("responseElements") or {}).get(name) or (
                record.get("serviceEventDetails") or {}).get(name)
            if name in CLOUDTRAIL_AUTHENTICATION:
                if verdict not in (None, "Success", "Failure"):
                    continue
                status_id = 1 if verdict == "Success" else 2 if verdict == "Failure" or record.get("errorCode") else 1
                event = (3002, 1, status_id)
            else:
                event = (6003, None, 2 if record.get("errorCode") else 1)
            key = (record.get("eventID"), record.get("eventTime") or record.get("@timestamp"), name,
                   identity.get("arn") or identity.get("principalId"))
            events.setdefault(key, event)
    return events


def okta_events(landing: Path) -> dict[tuple, tuple]:
    events: dict[tuple, tuple] = {}
    for path in landing_files(landing, "okta"):
        landed = landed_at(path)
        for _, _, record in json_records(path):
            if not isinstance(record, dict) or not record.get("eventType"):
                continue
            event_type = record["eventType"]
            if event_type in ("user.session.start", "policy.evaluate_sign_on") or event_type.startswith(
                    "user.authentication."):
                activity_id = 1
            elif event_type == "user.session.end":
                activity_id = 2
            else:
                continue
            at = _utc(record.get("published"))
            result = ((record.get("outcome") or {}).get("result") or "").upper()
            actor = record.get("actor") or {}
            if at is None or at > landed + CLOCK_SKEW or result not in OKTA_RESULTS:
                continue
            if _blank(actor.get("alternateId")) and _blank(actor.get("id")):
                continue
            ip = (record.get("client") or {}).get("ipAddress")
            if not _blank(ip) and not _is_ip(ip):
                continue
            events.setdefault(record.get("uuid"), (3002, activity_id, OKTA_RESULTS[result]))
    return events


def entra_events(landing: Path) -> dict[tuple, tuple]:
    failures = set(PROJECT_VARS["entra_failure_error_codes"])
    interrupts = set(PROJECT_VARS["entra_interrupt_error_codes"])
    events: dict[tuple, tuple] = {}
    for path in landing_files(landing, "entra"):
        landed = landed_at(path)
        for _, _, record in json_records(path):
            if not isinstance(record, dict):
                continue
            category = record.get("category")
            if category is not None and not category.lower().endswith("signinlogs"):
                continue
            sign_in = record.get("properties") if isinstance(record.get("properties"), dict) else record
            time_text = sign_in.get("createdDateTime") or record.get("time")
            at = _utc(time_text)
            code_text = (sign_in.get("status") or {}).get("errorCode", record.get("resultType"))
            if at is None or at > landed + CLOCK_SKEW or code_text is None:
                continue
            code = int(code_text)
            status_id = 1 if code == 0 else 2 if code in failures else 99 if code in interrupts else None
            principal = [sign_in.get(k) for k in ("userPrincipalName", "servicePrincipalName", "userId",
                                                  "servicePrincipalId")]
            if status_id is None or all(_blank(value) for value in principal):
                continue
            events.setdefault((sign_in.get("id"), category, time_text, str(code_text)), (3002, 1, status_id))
    return events


GOOGLE_SIGN_IN_STATUSES = {
    "login_success": 1, "login_failure": 2, "login_challenge": 99, "login_verification": 99,
    "suspicious_login": 99, "suspicious_login_less_secure_app": 99, "suspicious_programmatic_login": 99,
}


def google_workspace_events(landing: Path) -> dict[tuple, tuple]:
    """Admin SDK Reports API login activities: each event of an activity is a sign-in, a
    second-factor step or a warning (Logon; a warning timed at the attempt it warns of),
    or a logout (Logoff)."""
    events: dict[tuple, tuple] = {}
    for path in landing_files(landing, "google_workspace"):
        landed = landed_at(path)
        for _, _, activity in json_records(path, batch_keys=("items",)):
            # a page of Google's API with nothing in it has no `items`
            if not isinstance(activity, dict) or activity.get("kind") == "admin#reports#activities":
                continue
            identity = activity.get("id") if isinstance(activity.get("id"), dict) else {}
            if (identity.get("applicationName") or "login") != "login":
                continue
            ip = activity.get("ipAddress")
            if not _blank(ip) and not _is_ip(ip):
                continue
            listed = activity.get("events") if isinstance(activity.get("events"), list) else []
            for index, event in enumerate(listed, start=1):
                event = event if isinstance(event, dict) else {}
                name = event.get("name")
                if name == "logout":
                    activity_id, status_id = 2, 1
                elif name in GOOGLE_SIGN_IN_STATUSES:
                    activity_id, status_id = 1, GOOGLE_SIGN_IN_STATUSES[name]
                else:
                    continue
                parameters = {p.get("name"): p for p in event.get("parameters") or [] if isinstance(p, dict)}
                attempt_us = (parameters.get("login_timestamp") or {}).get("intValue")
                at = (datetime(1970, 1, 1) + timedelta(microseconds=int(attempt_us)) if attempt_us
                      else _utc(identity.get("time")))
                if identity.get("time") is None or at is None or at > landed + CLOCK_SKEW:
                    continue
                affected = (parameters.get("affected_email_address") or {}).get("value")
                actor = activity.get("actor") or {}
                if all(_blank(value) for value in (affected, actor.get("email"), actor.get("profileId"))):
                    continue
                key = (identity.get("uniqueQualifier") or json.dumps(activity, sort_keys=True), identity.get("time"),
                       index)
                events.setdefault(key, (3002, activity_id, status_id))
    return events


@dataclass(frozen=True)
class Reader:
    """A vendor's reader and how its files frame records: one per line, or JSON however shipped."""
    events: Callable[[Path], dict[tuple, tuple]]
    framing: str  # "lines" | "json"
    batch_keys: tuple[str, ...] = ("Records", "records")  # json: an object with one of these arrays is a batch


READERS = {
    "windows": Reader(windows_events, "lines"),
    "sshd": Reader(sshd_events, "lines"),
    "cloudtrail": Reader(cloudtrail_events, "json"),
    "okta": Reader(okta_events, "json"),
    "entra": Reader(entra_events, "json"),
    "google_workspace": Reader(google_workspace_events, "json", batch_keys=("items",)),
}


def expected_events(landing: Path, source: str) -> Counter:
    """Expected staged events of a source, counted by (class_uid, activity_id, status_id);
    API Activity's activity is left out (None): its verb rule is the model's, not the vendor's."""
    return Counter(READERS[source].events(landing).values())
