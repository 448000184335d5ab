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
SSHD_PROGRAMS = ("sshd", "sshd-session")  # OpenSSH 9.8+ logs a connection's lines as sshd-session
# RFC 3164 as syslog daemons write it to files: no year, no zone, a <PRI> only when kept from the wire
SYSLOG_RFC3164 = re.compile(
    r"^(?:<[0-9]{1,3}>)?([A-Z][a-z]{2}) +([0-9]{1,2}) ([0-9]{2}:[0-9]{2}:[0-9]{2}) (\S*) ([A-Za-z0-9_./-]+)"
    r"(?:\[([0-9]+)\])?: (.*)$")
# rsyslog's RSYSLOG_FileFormat: the same line dated by an RFC 3339 timestamp
SYSLOG_RFC3339 = re.compile(
    r"^(?:<[0-9]{1,3}>)?([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?(?:Z|[+-][0-9]{2}:?[0-9]{2})) "
    r"(\S*) ([A-Za-z0-9_./-]+)(?:\[([0-9]+)\])?: (.*)$")
# RFC 5424 section 6.3: SD-ELEMENT = "[" SD-ID *(SP PARAM-NAME "=" DQUOTE PARAM-VALUE DQUOTE) "]",
# names without '=', SP, ']' or '"'; a value escapes '"', '\' and ']' with '\'
RFC5424_SD_ELEMENT = re.compile(r'\[[^=\]" ]+(?: [^=\]" ]+="(?:[^"\\]|\\.)*")*\]')
SSHD_OUTCOME = re.compile(r"^(Accepted|Failed) (\S+) for (?:invalid user )?(.*?) from (\S+) port [0-9]+")
# lines sshd and PAM write about an attempt in progress, and summaries that tell one failed
SSHD_ATTEMPT_LINES = (
    "Invalid user ", "input_userauth_request: invalid user ", "pam_unix(sshd:auth): authentication failure;",
    "pam_unix(sshd:auth): check pass;", "pam_succeed_if(sshd:auth): requirement ", "error: PAM: ",
)
SSHD_FAILURE_SUMMARY = re.compile(
    r"^(?:error: maximum authentication attempts exceeded|Disconnecting: Too many authentication failures"
    r"|Disconnecting (?:authenticating|invalid) user .*: Too many authentication failures)")
PAM_UNIX_FAILURE = "pam_unix(sshd:auth): authentication failure;"
PAM_MORE_FAILURES = re.compile(r"^PAM ([0-9]+) more authentication failures?;")
SSHD_EVIDENCE_USER = (
    re.compile(r"^Invalid user (.*) from \S+"), re.compile(r" user=(\S+)"),
    re.compile(r"^error: maximum authentication attempts exceeded for (?:invalid user )?(.*) from \S+ port [0-9]+"),
    re.compile(r"^Disconnecting (?:authenticating|invalid) user (.*) \S+ port [0-9]+: Too many authentication failures"),
)
SSHD_EVIDENCE_IP = (
    re.compile(r"^Invalid user .* from (\S+)"), re.compile(r" rhost=(\S+)"),
    re.compile(r"^error: maximum authentication attempts exceeded for .* from (\S+) port [0-9]+"),
    re.compile(r"^Disconnecting (?:authenticating|invalid) user .* (\S+) port [0-9]+: Too many authentication failures"),
)
MAX_SSHD_REPEATS = 100000


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
    """At any depth, in the order first landings win: by landing time, then name."""
    folder = landing / source
    if not folder.is_dir():
        return []
    return sorted((p for p in folder.rglob("*") if p.is_file()), key=lambda p: (landed_at(p), str(p)))


def json_records(path: Path, batch_keys: tuple[str, ...] = ("Records", "records")) -> list[tuple[int, int, object]]:
    """(line, record, parsed or None) for every raw record, however framed: a top-level
    array, or an object whose batch_keys member is an array, is a batch; a Parquet
    file's rows are its lines."""
    if path.read_bytes()[:4] == b"PAR1":
        import pyarrow.parquet as pq

        rows = pq.read_table(path).to_pylist(maps_as_pydicts="lossy")
        return [(number, 1, row) for number, row in enumerate(rows, start=1)]
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
            elif reader.framing == "syslog_or_journald":
                counts[str(path)] = len(sshd_framed_records(path))
            else:
                counts[str(path)] = len(json_records(path, reader.batch_keys))
    return counts


# ---------------------------------------------------------------- one reader per vendor


WINDOWS_SYSTEM_FIELDS = ("Channel", "Hostname", "RecordNumber", "EventID")


def windows_record(record: dict) -> tuple[str | None, dict]:
    """(shape, fields): a Windows event in any shipper's shape as NXLog's flat
    fields (EventID, Channel, Hostname, RecordNumber, the event data, and the
    time fields TimeCreated, EventTime, EventReceivedTime, @timestamp)."""
    if isinstance(record.get("winlog"), dict):  # Winlogbeat 7+ / Elastic Agent (ECS)
        winlog = record["winlog"]
        fields = dict(winlog.get("event_data") or {})
        fields.update(EventID=winlog.get("event_id") or (record.get("event") or {}).get("code"),
                      Channel=winlog.get("channel"), RecordNumber=winlog.get("record_id"),
                      Hostname=winlog.get("computer_name") or (record.get("host") or {}).get("name"))
        shape = "winlogbeat"
    elif isinstance((record.get("Event") or {}).get("System"), dict):  # WEF / wevtutil XML as JSON
        system = record["Event"]["System"]
        data = (record["Event"].get("EventData") or {}).get("Data") or []
        fields = {item["@Name"]: item.get("#text") for item in ([data] if isinstance(data, dict) else data)}
        event_id = system.get("EventID")
        fields.update(EventID=event_id.get("#text") if isinstance(event_id, dict) else event_id,
                      Channel=system.get("Channel"), Hostname=system.get("Computer"),
                      RecordNumber=system.get("EventRecordID"),
                      TimeCreated=(system.get("TimeCreated") or {}).get("@SystemTime"))
        shape = "windows_event_xml"
    elif "EventID" in record:
        fields, shape = dict(record), "nxlog"
        fields.pop("@timestamp", None)
    elif "event_id" in record and "computer_name" in record:  # Winlogbeat 6
        fields = dict(record.get("event_data") or {})
        fields.update(EventID=record["event_id"], Channel=record.get("log_name"), Hostname=record["computer_name"],
                      RecordNumber=record.get("record_number"))
        shape = "winlogbeat_legacy"
    else:
        return None, {}
    for name in ("TimeCreated", "EventTime", "EventReceivedTime"):
        if shape != "nxlog" and name != "TimeCreated":
            fields.pop(name, None)
    fields["@timestamp"] = record.get("@timestamp")
    return shape, fields


def windows_time(fields: dict) -> datetime | None:
    """The first time field present: TimeCreated (UTC), NXLog's local EventTime, the shipper's @timestamp."""
    if fields.get("TimeCreated") is not None:
        return _utc(fields["TimeCreated"])
    if fields.get("EventTime") is not None:
        at = datetime.strptime(fields["EventTime"], "%Y-%m-%d %H:%M:%S")
        if fields.get("@timestamp") and fields.get("EventReceivedTime"):  # the collector's offset, as the shipper reveals it
            received = datetime.strptime(fields["EventReceivedTime"], "%Y-%m-%d %H:%M:%S")
            at += timedelta(seconds=round((_utc(fields["@timestamp"]) - received).total_seconds() / 900) * 900)
        return at
    return _utc(fields.get("@timestamp"))


def windows_account(text: str) -> str:
    """DOMAIN\\user and user@REALM as the bare user name."""
    return text.split("\\")[-1].rsplit("@", 1)[0]


def windows_events(landing: Path, shape: str | None = None) -> dict[tuple, tuple]:
    events: dict[tuple, tuple] = {}
    ignored_ids = set(PROJECT_VARS["windows_ignored_event_ids"])
    for path in landing_files(landing, "windows"):
        landed = landed_at(path)
        for _, _, record in json_records(path):
            if not isinstance(record, dict):
                continue
            record_shape, fields = windows_record(record)
            if record_shape is None or (shape is not None and record_shape != shape):
                continue
            event_id = int(fields["EventID"]) if str(fields.get("EventID", "")).isdigit() else None
            if fields.get("Channel") != "Security" or event_id in ignored_ids or event_id not in WINDOWS_CLASSES:
                continue
            at = windows_time(fields)
            account = fields.get("SubjectUserName" if event_id in SUBJECT_EVENTS else "TargetUserName")
            if _blank(account) and event_id not in SUBJECT_EVENTS:
                account = fields.get("SubjectUserName")
            ip = fields.get("IpAddress")
            if (at is None or at > landed + CLOCK_SKEW or _blank(account) or not windows_account(account.strip())
                    or (not _blank(ip) and not _is_ip(ip))):
                continue
            status = str(fields.get("Status") or "0x0").lower()
            if event_id in (4625, 4771) or (event_id in (4768, 4769, 4776) and status not in ("0x0", "0")):
                status_id = 2
            else:
                status_id = 1
            record_number = fields.get("RecordNumber")
            key = ((fields.get("Hostname") or "").lower(),
                   str(record_number) if record_number is not None else json.dumps(record, sort_keys=True), event_id)
            events.setdefault(key, (*WINDOWS_CLASSES[event_id], status_id))
    return events


def sshd_framed_records(path: Path) -> list[tuple[int, int, str, object]]:
    """(line, record, kind, value) for every raw record of an sshd file: kind is
    "text" (a line), "blank", "invalid_utf8", "json" (a parsed value) or
    "empty_batch". Lines end at line feeds only. JSON is
    journalctl's: one object a line (-o json), objects over several lines
    (-o json-pretty, each closed on a line of its own), or a whole file holding
    one document (an array of them is a batch)."""
    raw_lines = path.read_bytes().split(b"\n")
    if raw_lines and raw_lines[-1] == b"":
        raw_lines.pop()
    lines: list[str | None] = []  # None: a line that is not UTF-8
    for raw_line in raw_lines:
        try:
            lines.append(raw_line.decode("utf-8").rstrip("\r"))
        except UnicodeDecodeError:
            lines.append(None)
    # the file as text, a line that is not UTF-8 as NUL (never valid JSON), and where each line starts
    text = "\n".join("\0" if line is None else line for line in lines)
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len("\0" if line is None else line) + 1)

    def parse(unit: str):
        try:
            return json.loads(unit)
        except ValueError:
            return None

    def json_unit(line_number: int, value) -> list[tuple[int, int, str, object]]:
        if isinstance(value, list):
            if not value:
                return [(line_number, 1, "empty_batch", None)]
            return [(line_number, index, "json", item) for index, item in enumerate(value, start=1)]
        return [(line_number, 1, "json", value)]

    if len(lines) > 1 and None not in lines and lines[0].lstrip()[:1] in ("{", "[") and parse(lines[0]) is None:
        document = parse(text)
        if isinstance(document, (dict, list)):
            return json_unit(1, document)
    records: list[tuple[int, int, str, object]] = []
    decoder = json.JSONDecoder()
    index = 0
    while index < len(lines):
        line = lines[index]
        if line is None:
            records.append((index + 1, 1, "invalid_utf8", None))
            index += 1
            continue
        if line.rstrip(" \t") == "{":
            # a pretty-printed object: decode it from here, and it must end its last line
            try:
                value, end = decoder.raw_decode(text, starts[index])
            except ValueError:
                value, end = None, 0
            if isinstance(value, dict) and text[end:].split("\n", 1)[0].strip() == "":
                records.append((index + 1, 1, "json", value))
                index += text.count("\n", starts[index], end) + 1
                continue
        if not line.strip():
            records.append((index + 1, 1, "blank", None))
        elif line.lstrip()[:1] in ("{", "[") and parse(line) is not None:
            records.extend(json_unit(index + 1, parse(line)))
        else:
            records.append((index + 1, 1, "text", line))
        index += 1
    return records


def _syslog_date_utc(month: str, day: str, clock: str, landed: datetime) -> datetime | None:
    """An RFC 3164 date read in var syslog_time_zone, in var syslog_year or else
    the landing's year (the year before when it would be after the landing)."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(PROJECT_VARS["syslog_time_zone"])
    given_year = PROJECT_VARS["syslog_year"]
    year = int(given_year) if given_year is not None else landed.year
    try:
        local = datetime.strptime(f"{year} {month} {int(day)} {clock}", "%Y %b %d %H:%M:%S")
    except ValueError:
        return None

    def to_utc(moment: datetime) -> datetime:
        return moment.replace(tzinfo=zone).astimezone(timezone.utc).replace(tzinfo=None)

    if given_year is None and to_utc(local) > landed + CLOCK_SKEW:
        try:
            local = local.replace(year=year - 1)
        except ValueError:  # 29 February
            local = local.replace(year=year - 1, day=28)
    return to_utc(local)


def _rfc5424(line: str) -> dict | None:
    """RFC 5424 section 6: HEADER SP STRUCTURED-DATA [SP MSG], `-` for a nil field."""
    header = re.match(r"<[0-9]{1,3}>1 (\S+) (\S+) (\S+) (\S+) (\S+) ", line)
    if not header:
        return None
    rest = line[header.end():]
    if rest.startswith("-"):
        end = 1
    else:
        end = 0
        while element := RFC5424_SD_ELEMENT.match(rest, end):
            end = element.end()
        if end == 0:
            return None
    if rest[end:] and not rest[end:].startswith(" "):
        return None
    timestamp, host, program, pid, _ = (None if field == "-" else field for field in header.groups())
    return {"host": host, "program": program, "pid": pid, "message": rest[end + 1:].removeprefix("\ufeff"),
            "time_text": timestamp, "event_at": _utc(timestamp), "time_key": None}


def _journald_message(value) -> str | None:
    """MESSAGE: a string, or the bytes of one that is not printable UTF-8 (then
    read as Latin-1 when they are not UTF-8 at all)."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(type(byte) is int and 0 <= byte <= 255 for byte in value):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            return bytes(value).decode("latin-1")
    return None


def _journald(record: dict, landed: datetime) -> dict:
    """A journal entry as journalctl -o json writes it (systemd.io/JOURNAL_EXPORT_FORMATS):
    its time from _SOURCE_REALTIME_TIMESTAMP, else __REALTIME_TIMESTAMP (microseconds
    since the epoch), else SYSLOG_TIMESTAMP (an RFC 3164 date)."""
    def text(name: str) -> str | None:
        value = record.get(name)
        return None if value is None else str(value)

    program = text("SYSLOG_IDENTIFIER") if record.get("SYSLOG_IDENTIFIER") is not None else text("_COMM")
    pid = text("_PID") if record.get("_PID") is not None else text("SYSLOG_PID")
    fields = {"host": text("_HOSTNAME"), "program": program, "pid": pid,
              "message": _journald_message(record.get("MESSAGE")), "time_key": None, "event_at": None}
    realtime = next((text(name) for name in ("_SOURCE_REALTIME_TIMESTAMP", "__REALTIME_TIMESTAMP")
                     if record.get(name) is not None), None)
    if realtime is not None:
        fields["time_text"] = realtime
        if re.fullmatch(r"[0-9]+", realtime.strip()):
            fields["event_at"] = datetime(1970, 1, 1) + timedelta(microseconds=int(realtime))
        return fields
    fields["time_text"] = text("SYSLOG_TIMESTAMP")
    date = re.match(r"([A-Z][a-z]{2}) +([0-9]{1,2}) ([0-9]{2}:[0-9]{2}:[0-9]{2})", fields["time_text"] or "")
    if date:
        fields["time_key"] = date.groups()
        fields["event_at"] = _syslog_date_utc(*date.groups(), landed)
    return fields


def sshd_record(kind: str, value, landed: datetime) -> tuple[str | None, dict | None]:
    """(shape, fields) of a raw sshd record: host, program, pid, message, the
    time as written (time_text) and read (event_at, UTC); shape None for a
    record of no shape the source reads."""
    if kind == "text":
        if match := SYSLOG_RFC3164.match(value):
            month, day, clock, host, program, pid, message = match.groups()
            return "syslog_rfc3164", {
                "host": host, "program": program, "pid": pid, "message": message,
                "time_text": f"{month} {day} {clock}", "time_key": (month, day, clock),
                "event_at": _syslog_date_utc(month, day, clock, landed)}
        if match := SYSLOG_RFC3339.match(value):
            timestamp, host, program, pid, message = match.groups()
            return "syslog_rfc3339", {
                "host": host, "program": program, "pid": pid, "message": message,
                "time_text": timestamp, "time_key": None, "event_at": _utc(timestamp)}
        if fields := _rfc5424(value):
            return "syslog_rfc5424", fields
        return None, None
    if kind == "json" and isinstance(value, dict) and any(
            value.get(name) is not None for name in ("MESSAGE", "__CURSOR", "__REALTIME_TIMESTAMP")):
        return "journald_json", _journald(value, landed)
    return None, None


def _first_group(patterns, message: str) -> str | None:
    for pattern in patterns:
        if (match := pattern.search(message)) and match.group(1):
            return match.group(1)
    return None


def sshd_attempts(landing: Path) -> dict[tuple, tuple[str, tuple]]:
    """Every sshd attempt staged: identity -> (shape, (3002, 1, status_id)).
    A connection is an sshd process (file, host, program, pid). Its outcome
    lines win ("Accepted|Failed ... for U from IP port P"; N for "message
    repeated N times: [ ... ]" and for "last message repeated N times" after
    one); without any, pam_unix's count (its "authentication failure" is 1,
    "PAM N more authentication failures" N); without either, the first line
    about an attempt ("Invalid user", PAM, "maximum authentication attempts
    exceeded") is one failed attempt."""
    attempts: dict[tuple, tuple[str, tuple]] = {}
    floor = datetime.fromisoformat(str(PROJECT_VARS["event_time_floor"]))
    for path in landing_files(landing, "sshd"):
        landed = landed_at(path)
        connections: dict[tuple, list[dict]] = defaultdict(list)
        occurrences: Counter = Counter()
        previous_host = None
        for _, _, kind, value in sshd_framed_records(path):
            shape, fields = sshd_record(kind, value, landed)
            if fields is None:
                continue
            host = (fields["host"] or "").lower() or previous_host
            previous_host = host
            if fields["program"] not in SSHD_PROGRAMS:
                continue
            pid = int(fields["pid"]) if fields["pid"] and fields["pid"].isdigit() else None
            message = fields["message"]
            time_key = fields["time_key"] or fields["event_at"]
            occurrences[(host, pid, time_key, message)] += 1
            lines = connections[(host, fields["program"], pid)]
            repeats, told = 1, message
            if message is not None and (wrapped := re.match(r"message repeated ([0-9]+) times: \[ ?(.*?)\]?$", message)):
                repeats, told = int(wrapped.group(1)), wrapped.group(2)
            elif message is not None and (again := re.fullmatch(r"last message repeated ([0-9]+) times?", message)):
                repeats, told = int(again.group(1)), lines[-1]["unwrapped"] if lines else None
            lines.append({
                "identity": (host, pid, time_key, message, occurrences[(host, pid, time_key, message)]),
                "shape": shape, "fields": fields, "repeats": repeats, "told": told or "",
                "unwrapped": wrapped.group(2) if message is not None and wrapped else message,
            })
        for lines in connections.values():
            for line in lines:
                told = line["told"]
                line["outcome"] = SSHD_OUTCOME.match(told)
                more = PAM_MORE_FAILURES.match(told)
                line["pam_failures"] = (1 if told.startswith(PAM_UNIX_FAILURE) else int(more.group(1)) if more
                                        else None)
            user = next(filter(None, (_first_group(SSHD_EVIDENCE_USER, line["told"]) for line in lines)), None)
            ip = next(filter(None, (_first_group(SSHD_EVIDENCE_IP, line["told"]) for line in lines)), None)
            if any(line["outcome"] for line in lines):
                counted = [(line, line["repeats"], line["outcome"].group(3), line["outcome"].group(4),
                            line["outcome"].group(1)) for line in lines if line["outcome"]]
            elif any(line["pam_failures"] is not None for line in lines):
                counted = [(line, line["pam_failures"] * line["repeats"], user, ip, "Failed")
                           for line in lines if line["pam_failures"] is not None]
            else:
                told_of = ([line for line in lines if line["told"].startswith(SSHD_ATTEMPT_LINES)]
                           or [line for line in lines if SSHD_FAILURE_SUMMARY.match(line["told"])])
                counted = [(told_of[0], 1, user, ip, "Failed")] if told_of else []
            for line, count, user_name, ip_text, outcome in counted:
                event_at = line["fields"]["event_at"]
                if (line["fields"]["time_text"] is None or event_at is None or event_at > landed + CLOCK_SKEW
                        or event_at < floor or not (user_name or "").strip(" ")
                        or not (_blank(ip_text) or _is_ip(ip_text)) or count > MAX_SSHD_REPEATS):
                    continue  # quarantined
                for index in range(count):
                    attempts.setdefault((*line["identity"], index),
                                        (line["shape"], (3002, 1, 1 if outcome == "Accepted" else 2)))
    return attempts


def sshd_events(landing: Path) -> dict[tuple, tuple]:
    return {identity: event for identity, (_, event) in sshd_attempts(landing).items()}


def cloudtrail_record(record: dict) -> tuple[str | None, dict | None]:
    """(shape, CloudTrail record): EventBridge's envelope unwrapped (None for
    its other detail-types), a CloudTrail Lake row's lower-case userIdentity
    members given their CloudTrail names."""
    if "detail-type" in record and isinstance(record.get("detail"), dict):
        return "eventbridge", record["detail"] if record["detail-type"].endswith(" via CloudTrail") else None
    identity = record.get("userIdentity") if isinstance(record.get("userIdentity"), dict) else {}
    if ("principalid" in identity or "accountid" in identity
            or re.match(r"\d{4}-\d\d-\d\d ", str(record.get("eventTime") or ""))):
        names = {name.lower(): name for name in ("principalId", "accountId", "accessKeyId", "invokedBy", "userName")}
        record = dict(record, userIdentity={names.get(key, key): value for key, value in identity.items()})
        return "cloudtrail_lake", record
    if any(key in record for key in ("eventName", "eventSource", "eventTime", "eventID")):
        return "cloudtrail", record
    return None, None


def cloudtrail_events(landing: Path, shape: str | None = None) -> dict[tuple, tuple]:
    events: dict[tuple, tuple] = {}
    for path in landing_files(landing, "cloudtrail"):
        landed = landed_at(path)
        for _, _, raw in json_records(path):
            record_shape, record = cloudtrail_record(raw) if isinstance(raw, dict) else (None, None)
            if shape is not None and record_shape != shape:
                continue
            if record is None or not record.get("eventName"):
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


OKTA_LOG_EVENT_MEMBERS = (
    "uuid", "published", "eventType", "version", "severity", "displayMessage", "legacyEventType", "actor", "client",
    "outcome", "authenticationContext", "debugContext", "securityContext", "request", "target", "transaction",
)
# Panther's data lake lower-cases top-level column names (eventtype, debugcontext, ...)
OKTA_PANTHER_LOWERED = {name.lower() for name in OKTA_LOG_EVENT_MEMBERS} - set(OKTA_LOG_EVENT_MEMBERS)
# Panther's normalised time: UTC, a space for the T, no zone, up to 9 decimals
PANTHER_TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,9})?")


def okta_shape(record: dict) -> str | None:
    """system_log_api (Okta's /api/v1/logs), eventbridge (log streaming's envelope,
    the LogEvent in `detail`) or panther (Panther's p_* columns, lower-cased keys or
    time); None when the record is none of them (an Event Hook delivery, say)."""
    if record.get("detail-type") is not None and record.get("source") is not None:
        return "eventbridge"
    published = record.get("published")
    if (OKTA_PANTHER_LOWERED & record.keys() or any(key.startswith("p_") for key in record)
            or (isinstance(published, str) and PANTHER_TIME.fullmatch(published))):
        return "panther"
    # an Event Hook delivery (a CloudEvents envelope, LogEvents in data.events) is not read
    if {"eventType", "uuid", "published"} & record.keys() and "cloudEventsVersion" not in record:
        return "system_log_api"
    return None


def okta_log_event(record: dict, shape: str) -> tuple[dict, str | None]:
    """The LogEvent with Okta's own key names, and its time as text: `published`, else
    the envelope's `time` (EventBridge) or p_event_time (Panther)."""
    inner = record.get("detail") if shape == "eventbridge" else record
    inner = inner if isinstance(inner, dict) else {}
    event = {name: inner[name] if name in inner else inner.get(name.lower()) for name in OKTA_LOG_EVENT_MEMBERS}
    fallback = {"eventbridge": record.get("time"), "panther": record.get("p_event_time")}.get(shape)
    published = event["published"]
    return event, (published if not _blank(published) else None) or (fallback if not _blank(fallback) else None)


def okta_events(landing: Path, shape: str | None = None) -> dict[tuple, tuple]:
    """LogEvents of every shape; with `shape`, only the events first landed in it."""
    events: dict[tuple, tuple] = {}
    floor = datetime.fromisoformat(PROJECT_VARS["event_time_floor"])
    for path in landing_files(landing, "okta"):
        landed = landed_at(path)
        for _, _, record in json_records(path):
            record_shape = okta_shape(record) if isinstance(record, dict) else None
            if record_shape is None:
                continue
            if record_shape == "eventbridge" and record["detail-type"] != "SystemLog":
                continue
            event, time_text = okta_log_event(record, record_shape)
            event_type = event["eventType"]
            if not isinstance(event_type, str):
                continue
            if event_type in ("user.session.start", "policy.evaluate_sign_on") or event_type.startswith(
                    "user.authentication."):
                activity_id = 1
            elif event_type == "user.session.end":
                activity_id = 2
            else:
                continue
            at = _utc(str(time_text)) if time_text is not None else None
            if at is None or at > landed + CLOCK_SKEW or at < floor:
                continue
            client = event["client"] if isinstance(event["client"], dict) else {}
            ip = client.get("ipAddress")
            if not _blank(ip) and not _is_ip(str(ip)):
                continue
            outcome = event["outcome"]
            if outcome is None:  # nullable in Okta's schema: no known outcome
                status_id = 0
            else:
                result = outcome.get("result") if isinstance(outcome, dict) else None
                status_id = OKTA_RESULTS.get(result.upper()) if isinstance(result, str) else None
                if status_id is None:
                    continue
            actor = event["actor"] if isinstance(event["actor"], dict) else {}
            if _blank(actor.get("alternateId")) and _blank(actor.get("id")):
                continue
            key = event["uuid"] if event["uuid"] is not None else json.dumps(record, sort_keys=True)
            events.setdefault(key, (record_shape, (3002, activity_id, status_id)))
    return {key: event for key, (kept_shape, event) in events.items() if shape in (None, kept_shape)}


ENTRA_BATCH_KEYS = ("value", "Records", "records")  # a Graph response page; Azure Monitor's batches
# Graph's signInEventTypes, as Azure Monitor names the log category of each
ENTRA_GRAPH_CATEGORIES = (("servicePrincipal", "ServicePrincipalSignInLogs"),
                          ("managedIdentity", "ManagedIdentitySignInLogs"),
                          ("nonInteractiveUser", "NonInteractiveUserSignInLogs"))


def entra_shape(record: dict) -> str | None:
    """diagnostic_settings (Azure Monitor's resource-log record, the signIn in
    `properties`) or graph_api (Microsoft Graph's signIn resource itself)."""
    if "category" in record or "operationName" in record:
        return "diagnostic_settings"
    if {"createdDateTime", "userPrincipalName", "status"} & record.keys():
        return "graph_api"
    return None


def entra_sign_in(record: dict, shape: str) -> tuple[dict, str | None, str | None, object]:
    """(signIn, log category, time text, result code) of a record of either shape."""
    if shape == "diagnostic_settings":
        sign_in = record.get("properties") if isinstance(record.get("properties"), dict) else {}
        category, export_time, export_code = record.get("category"), record.get("time"), record.get("resultType")
    else:
        sign_in, export_time, export_code = record, None, None
        kinds = sign_in.get("signInEventTypes") if isinstance(sign_in.get("signInEventTypes"), list) else []
        category = next((name for kind, name in ENTRA_GRAPH_CATEGORIES if kind in kinds), None)
        if category is None:  # v1.0 lists interactive user sign-ins only
            interactive = str(sign_in.get("isInteractive")).lower() != "false"
            category = "SignInLogs" if interactive or "nonInteractiveUser" in kinds else "NonInteractiveUserSignInLogs"
    created = sign_in.get("createdDateTime")
    time_text = created if not _blank(created) else export_time if not _blank(export_time) else None
    status = sign_in.get("status") if isinstance(sign_in.get("status"), dict) else {}
    code = status.get("errorCode") if status.get("errorCode") is not None else export_code
    return sign_in, category, time_text, code


def entra_events(landing: Path, shape: str | None = None) -> dict[tuple, tuple]:
    """Sign-ins of every shape; with `shape`, only those first landed in it. Any result
    code is a sign-in: 0 success, the project's failures and interrupts, else unknown."""
    failures = set(PROJECT_VARS["entra_failure_error_codes"])
    interrupts = set(PROJECT_VARS["entra_interrupt_error_codes"])
    floor = datetime.fromisoformat(PROJECT_VARS["event_time_floor"])
    events: dict[tuple, tuple] = {}
    for path in landing_files(landing, "entra"):
        landed = landed_at(path)
        for _, _, record in json_records(path, ENTRA_BATCH_KEYS):
            record_shape = entra_shape(record) if isinstance(record, dict) else None
            if record_shape is None:
                continue
            sign_in, category, time_text, code = entra_sign_in(record, record_shape)
            if category is not None and not category.lower().endswith("signinlogs"):
                continue
            at = _utc(str(time_text)) if time_text is not None else None
            if at is None or at > landed + CLOCK_SKEW or at < floor:
                continue
            ip = sign_in.get("ipAddress") if not _blank(sign_in.get("ipAddress")) else record.get(
                "callerIpAddress") if record_shape == "diagnostic_settings" else None
            if not _blank(ip) and not _is_ip(str(ip)):
                continue
            try:
                number = int(str(code))
            except ValueError:
                continue  # no code, or no number
            status_id = 1 if number == 0 else 2 if number in failures else 99 if number in interrupts else 0
            principal = [sign_in.get(k) for k in ("userPrincipalName", "servicePrincipalName", "userId",
                                                  "servicePrincipalId")]
            if all(_blank(value) for value in principal):
                continue
            key = (sign_in.get("id") if sign_in.get("id") is not None else json.dumps(record, sort_keys=True),
                   category, time_text, str(code))
            events.setdefault(key, (record_shape, (3002, 1, status_id)))
    return {key: event for key, (kept_shape, event) in events.items() if shape in (None, kept_shape)}


GOOGLE_SIGN_IN_STATUSES = {
    "login_success": 1, "login_failure": 2, "login_challenge": 99, "login_verification": 99,
    "suspicious_login": 99, "suspicious_login_less_secure_app": 99, "suspicious_programmatic_login": 99,
}


def google_workspace_shape(activity: dict) -> str | None:
    """reports_api (activities as the Reports API returns them, `events` a list) or
    reports_api_split_events (Elastic's input: one event per record, `events` an object)."""
    if isinstance(activity.get("events"), dict):
        return "reports_api_split_events"
    if (isinstance(activity.get("events"), list) or str(activity.get("kind") or "").startswith("admin#reports#")
            or isinstance(activity.get("id"), dict)):
        return "reports_api"
    return None


def google_workspace_events(landing: Path, shape: str | None = None) -> dict[tuple, tuple]:
    """Admin SDK Reports API login activities: each event of an activity is a sign-in, a
    second-factor step or a warning (Logon; a warning timed at the attempt it warns of),
    or a logout (Logoff). With `shape`, only the events first landed in it."""
    floor = datetime.fromisoformat(PROJECT_VARS["event_time_floor"])
    events: dict[tuple, tuple] = {}
    for path in landing_files(landing, "google_workspace"):
        landed = landed_at(path)
        for _, _, activity in json_records(path, batch_keys=("items",)):
            record_shape = google_workspace_shape(activity) if isinstance(activity, dict) else None
            # a page of Google's API with nothing in it has no `items`
            if record_shape is None or activity.get("kind") == "admin#reports#activities":
                continue
            identity = activity.get("id") if isinstance(activity.get("id"), dict) else {}
            if (identity.get("applicationName") or "login") != "login":
                continue
            ip = activity.get("ipAddress")
            if not _blank(ip) and not _is_ip(ip):
                continue
            split = record_shape == "reports_api_split_events"
            listed = [activity["events"]] if split else activity.get("events") or []
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
                if identity.get("time") is None or at is None or at > landed + CLOCK_SKEW or at < floor:
                    continue
                affected = (parameters.get("affected_email_address") or {}).get("value")
                actor = activity.get("actor") or {}
                if all(_blank(value) for value in (affected, actor.get("email"), actor.get("profileId"))):
                    continue
                # a split event has lost its place in the activity: the event itself tells it apart
                key = (identity.get("uniqueQualifier") or json.dumps(activity, sort_keys=True), identity.get("time"),
                       json.dumps(event, sort_keys=True) if split else index)
                events.setdefault(key, (record_shape, (3002, activity_id, status_id)))
    return {key: event for key, (kept_shape, event) in events.items() if shape in (None, kept_shape)}


OCSF_CLASS_ACTIVITIES = {3002: {1, 2, 3, 4, 5, 6, 7}, 3003: {1, 2}, 1007: {1, 2, 3, 4, 5}, 6003: {1, 2, 3, 4}}


def _ocsf_integer(value) -> int | None:
    """An OCSF integer attribute: a JSON number, or its digits as text; anything else is no integer."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    return int(value) if isinstance(value, str) and value.strip().lstrip("-").isdigit() else None


def ocsf_events(landing: Path) -> dict[tuple, tuple]:
    """OCSF records of the contract's classes, as the OCSF schema defines them:
    `time` in epoch milliseconds (else time_dt), 1.0.0-rc.2's API Activity 3005
    read as 6003, a user (or, for processes, an actor) named or identified."""
    events: dict[tuple, tuple] = {}
    for path in landing_files(landing, "ocsf"):
        landed = landed_at(path)
        for _, _, record in json_records(path):
            if not isinstance(record, dict) or "class_uid" not in record or "metadata" not in record:
                continue
            metadata = record.get("metadata") or {}
            class_uid = int(record["class_uid"])
            if class_uid == 3005 and (metadata.get("version") or "").startswith("1.0.0-rc"):
                class_uid = 6003
            if class_uid not in OCSF_CLASS_ACTIVITIES:
                continue
            if record.get("time") is not None:
                at = datetime(1970, 1, 1) + timedelta(milliseconds=int(record["time"]))
            else:
                at = _utc(record.get("time_dt"))
            activity_id, severity_id = _ocsf_integer(record.get("activity_id")), _ocsf_integer(record.get("severity_id"))
            status_id = _ocsf_integer(record.get("status_id")) if record.get("status_id") is not None else 0
            if (at is None or at > landed + CLOCK_SKEW or activity_id is None or severity_id is None
                    or severity_id not in (0, 1, 2, 3, 4, 5, 6, 99)
                    or not (metadata.get("product") or {}).get("name")
                    or activity_id not in OCSF_CLASS_ACTIVITIES[class_uid] | {0, 99}
                    or status_id not in (0, 1, 2, 99)):
                continue
            user = record.get("user") or {}
            actor_user = (record.get("actor") or {}).get("user") or {}
            keyed_by = actor_user if class_uid == 1007 else user if class_uid != 6003 else None
            if keyed_by is not None and _blank(keyed_by.get("name")) and _blank(keyed_by.get("uid")):
                continue
            ip = (record.get("src_endpoint") or {}).get("ip")
            if not _blank(ip) and not _is_ip(ip):
                continue
            key = (metadata.get("uid") or json.dumps(record, sort_keys=True, default=str), class_uid)
            events.setdefault(key, (class_uid, None if class_uid == 6003 else activity_id, status_id))
    return events


@dataclass(frozen=True)
class Reader:
    """A vendor's reader and how its files frame records: one per line, or JSON however shipped."""
    events: Callable[[Path], dict[tuple, tuple]]
    framing: str  # "lines" | "json" | "syslog_or_journald" (sshd: text lines and journalctl JSON)
    batch_keys: tuple[str, ...] = ("Records", "records")  # json: an object with one of these arrays is a batch


READERS = {
    "windows": Reader(windows_events, "json"),
    "sshd": Reader(sshd_events, "syslog_or_journald"),
    "cloudtrail": Reader(cloudtrail_events, "json"),
    "okta": Reader(okta_events, "json"),
    "entra": Reader(entra_events, "json", batch_keys=ENTRA_BATCH_KEYS),
    "google_workspace": Reader(google_workspace_events, "json", batch_keys=("items",)),
    "ocsf": Reader(ocsf_events, "json"),
}


def expected_events(landing: Path, source: str) -> Counter:
    """Expected staged events of a source, counted by (class_uid, activity_id, status_id);
    API Activity's activity is left out (None): its verb rule is the model's, not the vendor's."""
    return Counter(READERS[source].events(landing).values())
