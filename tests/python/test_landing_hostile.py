"""A hostile landing zone: every kind of damage a real one sees, valid
records of each vendor's format mixed into the same files as the bad ones.
The build must succeed, and every raw record of every file must be accounted
for in landing_audit (staged + duplicate + quarantined + ignored), counted
here by an independent reader (decompress, decode, frame) that shares no code
with src/secfeat/landing.py or the landing macros.

`accounting_table(project)` gives the per-file accounting (the bench reuses it).
"""

from __future__ import annotations

import bz2
import copy
import gzip
import json
import lzma
import os
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa
import pytest

from conftest import PROJECT_ROOT, DbtProject

pytestmark = pytest.mark.dbt

FIXTURES = PROJECT_ROOT / "tests" / "fixtures"
LANDED_AT = datetime(2026, 6, 2, 0, 10, tzinfo=timezone.utc)  # every file's modification time
KNOWN_SOURCES = ("windows", "sshd", "cloudtrail", "okta", "entra", "google_workspace")
JSON_BATCH_KEYS = {"google_workspace": ("items",)}  # else Records / records
LINE_SOURCES = ("sshd",)
STAGED = "staged"
DUPLICATE = "duplicate"
ANY_REASON = "*"  # not staged, for whatever reason the models give (checked: a reason is given)
ZONE_IP = "fe80::1%eth0"
HUGE = 5 * 1024 * 1024
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
       b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


# ------------------------------------------------------------ the independent reader


def _decompress(data: bytes) -> bytes | None:
    """The bytes a file holds, whatever compressed them; None for a damaged archive."""
    try:
        if data[:2] == b"\x1f\x8b":
            return gzip.decompress(data)
        if data[:4] == b"\x28\xb5\x2f\xfd":
            return pa.CompressedInputStream(pa.BufferReader(data), "zstd").read()
        if data[:3] == b"BZh":
            return bz2.decompress(data)
        if data[:6] == b"\xfd7zXZ\x00":
            return lzma.decompress(data)
    except (OSError, EOFError, ValueError, lzma.LZMAError):
        return None
    return data


def _text_lines(data: bytes) -> tuple[str, list[str], bool] | None:
    """(text, lines, every line valid UTF-8) of a file's bytes; None when it holds no text."""
    if not data.strip() or (b"\x00" in data and data[:2] not in (b"\xff\xfe", b"\xfe\xff")):
        return None
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        text = data[2:].decode("utf-16-le" if data[:2] == b"\xff\xfe" else "utf-16-be", errors="replace")
        lines, valid = text.split("\n"), True
    else:
        data = data.removeprefix(b"\xef\xbb\xbf")
        raw_lines = data.split(b"\n")
        valid = True
        lines = []
        for raw in raw_lines:
            try:
                lines.append(raw.decode("utf-8"))
            except UnicodeDecodeError:
                lines.append(raw.decode("utf-8", errors="replace"))
                valid = False
        text = "\n".join(lines)
    if lines and lines[-1] == "":
        lines.pop()  # the final newline ends the last line; it starts none
    return text, lines, valid


def _json_unit_records(unit: str, batch_keys: tuple[str, ...]) -> int:
    try:
        parsed = json.loads(unit)
    except (ValueError, RecursionError):
        return 1
    if isinstance(parsed, dict):
        parsed = next((parsed[key] for key in batch_keys if isinstance(parsed.get(key), list)), parsed)
    return max(len(parsed), 1) if isinstance(parsed, list) else 1


def raw_record_count(path: Path, landing: Path) -> int:
    """Raw records of one landed file, as the vendors' formats frame them."""
    parts = path.relative_to(landing).parts
    source = parts[0] if len(parts) > 1 else None
    if source not in KNOWN_SOURCES:
        return 1  # nobody's records: counted once, as the file
    try:
        data = _decompress(path.read_bytes())
    except OSError:
        return 1  # unreadable
    texts = _text_lines(data) if data is not None else None
    if texts is None:
        return 1  # damaged, binary, empty: the file is the one record
    text, lines, valid = texts
    if source in LINE_SOURCES:
        return len(lines)
    batch_keys = JSON_BATCH_KEYS.get(source, ("Records", "records"))
    if valid:
        try:
            json.loads(text)
            return _json_unit_records(text, batch_keys)  # one document, however many lines it spans
        except (ValueError, RecursionError):
            pass
    return sum(_json_unit_records(line.rstrip("\r"), batch_keys) if line.strip() else 1 for line in lines)


def shown(path: Path | str) -> str:
    """A path as the warehouse shows it: bytes of the name that are not UTF-8 backslash-escaped."""
    return str(path).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def landed_paths(landing: Path) -> list[Path]:
    """Every file under the landing zone, a dangling link too."""
    return sorted(Path(folder) / name for folder, _, names in os.walk(landing) for name in names)


# ------------------------------------------------------------ the accounting


def accounting_table(project: DbtProject) -> list[dict]:
    """Per landed file: its raw records counted here, and what landing_audit made of them."""
    landing = Path(project.vars["landing_dir"])
    audited: dict[str, dict] = defaultdict(lambda: {"staged": 0, "duplicate": 0, "quarantined": 0, "ignored": 0,
                                                    "reasons": Counter()})
    for source_file, outcome, reason, count in project.query(
            "select source_file, outcome, reason, sum(record_count)::bigint from landing_audit group by all"):
        audited[source_file][outcome] += count
        if reason is not None or outcome not in ("staged", "duplicate"):
            audited[source_file]["reasons"][reason] += count
    rows = []
    for path in landed_paths(landing):
        audit = audited.pop(shown(path), None) or audited.default_factory()
        rows.append({"file": shown(path.relative_to(landing)), "raw_records": raw_record_count(path, landing),
                     **audit})
    for source_file, audit in audited.items():  # audited, but no such file: must not happen
        rows.append({"file": source_file, "raw_records": 0, **audit})
    return rows


def format_accounting_table(rows: list[dict]) -> str:
    header = ("file", "raw", "staged", "dup", "quar", "ign", "reasons")
    lines = [(row["file"], row["raw_records"], row["staged"], row["duplicate"], row["quarantined"], row["ignored"],
              ", ".join(f"{reason}={n}" for reason, n in sorted(row["reasons"].items(), key=str)))
             for row in rows]
    width = max(len(header[0]), *(len(line[0]) for line in lines))
    out = [f"{header[0]:<{width}} " + " ".join(f"{h:>6}" for h in header[1:6]) + f"  {header[6]}"]
    for line in lines:
        out.append(f"{line[0]:<{width}} " + " ".join(f"{v:>6}" for v in line[1:6]) + f"  {line[6]}")
    return "\n".join(out)


# ------------------------------------------------------------ the hostile corpus


@dataclass
class Landed:
    path: str  # below the landing dir
    data: bytes | None  # None: a dangling symbolic link
    expected: list[str] = field(default_factory=list)  # per raw record: staged, duplicate, a reason, or *


def _lines(records: list[tuple[str | bytes, str | list[str]]], newline: bytes = b"\n") -> tuple[bytes, list[str]]:
    """A file of these lines, and the expected outcome of each raw record (a list for a line holding several)."""
    data = b"".join((text if isinstance(text, bytes) else text.encode()) + newline for text, _ in records)
    return data, [outcome for _, expected in records
                  for outcome in (expected if isinstance(expected, list) else [expected])]


def _fixture_record(source: str, name: str) -> dict:
    """The first record of a fixture file: a real-format template."""
    return json.loads((FIXTURES / source / name).read_text(encoding="utf-8").split("\n")[0])


def nxlog(**fields) -> str:
    record = {
        "EventTime": "2026-06-01 10:00:00", "EventReceivedTime": "2026-06-01 10:00:01",
        "Hostname": "DC01.corp.example", "SourceName": "Microsoft-Windows-Security-Auditing",
        "Channel": "Security", "EventID": 4624, "RecordNumber": 1, "TargetUserName": "alice",
        "TargetDomainName": "CORP", "LogonType": "3", "IpAddress": "10.0.0.5", "IpPort": "51000",
        "AuthenticationPackageName": "NTLM", "Message": "An account was successfully logged on.",
    }
    record.update(fields)
    return json.dumps({key: value for key, value in record.items() if value is not None})


def _failure(user: str, minute: int) -> str:
    return nxlog(EventID=4625, RecordNumber=None, TargetUserName=user, EventTime=f"2026-06-01 11:{minute:02d}:00",
                 Status="0xc000006d", SubStatus="0xc000006a", Message="An account failed to log on.")


def windows_files() -> list[Landed]:
    latin1 = nxlog(RecordNumber=3, TargetUserName="JOS\x00").encode().replace(b"\\u0000", b"\xc9")  # JOSÉ in Latin-1
    security, expected = _lines([
        (nxlog(RecordNumber=1), STAGED),
        (nxlog(RecordNumber=2, EventID=4625, Status="0xc000006d", SubStatus="0xc000006a"), STAGED),
        (latin1, "invalid_utf8"),
        ('{"EventTime": "2026-06-01 10:00:00", "EventID": 46', "malformed_json"),  # truncated
        ("[1, 2, 3]", ["not_a_json_object"] * 3),  # a batch of three scalars
        ("42", "not_a_json_object"),  # a scalar line
        ('"just a string"', "not_a_json_object"),
        (nxlog(RecordNumber=4, EventID={"id": 4624}), "missing_event_id"),  # an object where a number goes
        (nxlog(RecordNumber=5, TargetUserName=12345), STAGED),  # a number where a string goes
        (nxlog(RecordNumber=6, IpAddress={"v": "10.0.0.5"}), "unparseable_ip"),
        (nxlog(RecordNumber=7, EventTime=1780000000), "unparseable_timestamp"),
        (nxlog(RecordNumber=8, LogonType="three", IpPort=["51000"]), STAGED),
        (nxlog(RecordNumber=9, IpAddress=ZONE_IP), STAGED),
        (nxlog(RecordNumber=16, IpAddress="fe80::1%br-lan.100"), STAGED),  # a zone id is an interface's name
        # three distinct failures written without RecordNumber: three events, not one and two duplicates
        (_failure("bob", 1), STAGED),
        (_failure("carol", 2), STAGED),
        (_failure("dave", 3), STAGED),
        (nxlog(RecordNumber=10, EventTime="1970-01-01 00:00:00"), "timestamp_before_floor"),
        (nxlog(RecordNumber=11, EventTime="0001-01-01 00:00:00"), "timestamp_before_floor"),
        (nxlog(RecordNumber=12, EventTime="2999-12-31 23:59:59"), "future_timestamp"),
        (nxlog(RecordNumber=13, Message="A" * HUGE), STAGED),  # a 5 MB line
        # a shipper's UTC @timestamp beside EventReceivedTime tells the collector's offset, when it is a time
        (nxlog(RecordNumber=14, **{"@timestamp": "infinity"}), STAGED),
        (nxlog(RecordNumber=15, EventReceivedTime="0001-01-01 00:00:00", **{"@timestamp": "294000-01-01T00:00:00Z"}),
         STAGED),
        ("", "blank_line"),
        (nxlog(RecordNumber=1), DUPLICATE),  # the first line again
    ])
    crlf, crlf_expected = _lines([
        (nxlog(RecordNumber=20), STAGED),
        ('{"EventID": 4624, "EventTime": "2026-06-01 10:0', "malformed_json"),
        ("", "blank_line"),
        (nxlog(RecordNumber=21, EventID=4634, Message="An account was logged off."), STAGED),
    ], newline=b"\r\n")
    exported = (nxlog(RecordNumber=30), nxlog(RecordNumber=31, TargetUserName="zoë"))
    utf16_text = "".join(line + "\r\n" for line in exported)
    subfolder, subfolder_expected = _lines([(nxlog(RecordNumber=40), STAGED), (nxlog(RecordNumber=41), STAGED)])
    xz, xz_expected = _lines([(nxlog(RecordNumber=50), STAGED)])
    latin1_named, latin1_named_expected = _lines([(nxlog(RecordNumber=60), STAGED)])
    return [
        Landed("windows/security.jsonl", security, expected),
        Landed("windows/crlf.jsonl", crlf, crlf_expected),
        Landed("windows/powershell_export.json", b"\xff\xfe" + utf16_text.encode("utf-16-le"), [STAGED, STAGED]),
        Landed("windows/2026/10/30/x.json", subfolder, subfolder_expected),
        Landed("windows/archive/security.jsonl.xz", lzma.compress(xz), xz_expected),
        # a name that is not UTF-8 (copied from an old share): shown backslash-escaped
        Landed(os.fsdecode(b"windows/caf\xe9.jsonl"), latin1_named, latin1_named_expected),
        Landed("windows/empty.json", b"", ["empty_file"]),
        Landed("windows/whitespace.json", b"  \r\n\t\n\n   ", ["empty_file"]),
    ]


def trail(**fields) -> dict:
    record = copy.deepcopy(_fixture_record("cloudtrail", "s3_delivery_batch.json")["Records"][0])  # a ConsoleLogin
    record.update(eventTime="2026-06-01T09:00:00Z")
    record.update(fields)
    return {key: value for key, value in record.items() if value is not None}


def _api_call(number: int, **fields) -> dict:
    call = {"eventName": "ListBuckets", "eventSource": "s3.amazonaws.com", "eventType": "AwsApiCall",
            "readOnly": True, "responseElements": None, "additionalEventData": None, "eventID": f"api-{number}"}
    return trail(**{**call, **fields})


def cloudtrail_files() -> list[Landed]:
    batch = [  # (record, expected)
        (trail(eventID="ct-1"), STAGED),
        (_api_call(2), STAGED),
        (_api_call(3, eventName=""), ANY_REASON),  # an empty name names no call
        (_api_call(4, eventName="Get[Object].v2's'"), STAGED),  # regex and quote characters in a name
        (_api_call(5, eventTime=1780000000), ANY_REASON),  # a number where a timestamp string goes
        (_api_call(6, userIdentity="arn:aws:iam::444455556666:user/sam"), STAGED),  # a string where an object goes
        (trail(eventID="ct-7", userIdentity="arn:aws:iam::444455556666:user/sam"), ANY_REASON),  # a sign-in of nobody
        (trail(eventID="ct-8", responseElements="Success"), STAGED),
        (_api_call(9, eventName=12345, readOnly="yes"), STAGED),  # numbers and odd text where strings go
        (trail(eventID="ct-10", sourceIPAddress=ZONE_IP), STAGED),
        (_api_call(11, sourceIPAddress={"ip": "198.51.100.44"}, requestParameters="bucket=x"), ANY_REASON),
        (trail(eventID="ct-12", eventTime="1970-01-01T00:00:00Z"), "timestamp_before_floor"),
        (trail(eventID="ct-13", eventTime="2999-01-01T00:00:00Z"), "future_timestamp"),
        (42, "not_a_json_object"),  # a scalar in the batch
        (None, "not_a_json_object"),
        (["ConsoleLogin"], "not_a_json_object"),
    ]
    delivered = json.dumps({"Records": [record for record, _ in batch]}).encode()
    zstd_batch = json.dumps({"Records": [_api_call(20), _api_call(21)]}).encode()
    sink = pa.BufferOutputStream()
    with pa.CompressedOutputStream(sink, "zstd") as stream:  # streamed: no content size in the frame
        stream.write(zstd_batch)
    bom_batch = b"\xef\xbb\xbf" + json.dumps({"Records": [_api_call(30), trail(eventID="ct-31")]}, indent=2).encode()
    lines, lines_expected = _lines([
        # U+2028 and U+0085 written raw: line breaks to str.splitlines, not to NDJSON
        (json.dumps(_api_call(40, userAgent="line\u2028separator\u0085next"), ensure_ascii=False), STAGED),
        ('{"eventVersion": "1.08", "eventTime": "2026-06-01T09:00:00Z", "eventName": "Consol', "malformed_json"),
        ('[1, "a", true]', ["not_a_json_object"] * 3),  # three scalars: three records
        ('"a scalar line"', "not_a_json_object"),
        ('{"a": ' * 5000 + "1" + "}" * 5000, ANY_REASON),  # nested deeper than Python's json can follow
        ('{"Records": []}', "empty_batch"),
        ("[]", "empty_batch"),
        (json.dumps({"Records": [_api_call(41), 7]}), [STAGED, "not_a_json_object"]),
        ("", "blank_line"),
    ], newline=b"\r\n")
    path = "cloudtrail/AWSLogs/444455556666/CloudTrail/us-east-1/2026/06/01/"
    return [
        Landed(path + "444455556666_CloudTrail_us-east-1_20260601T0900Z_a1b2.json.gz", gzip.compress(delivered),
               [expected for _, expected in batch]),
        Landed("cloudtrail/batch.json.zst", sink.getvalue().to_pybytes(), [STAGED, STAGED]),
        Landed("cloudtrail/batch.json.bz2", bz2.compress(json.dumps({"Records": [_api_call(22)]}).encode()),
               [STAGED]),
        Landed("cloudtrail/truncated.json.gz", gzip.compress(delivered)[:200], ["corrupt_compressed_file"]),
        Landed("cloudtrail/bom_batch.json", bom_batch, [STAGED, STAGED]),
        Landed("cloudtrail/edge_lines.jsonl", lines, lines_expected),
    ]


def okta_event(number: int, **fields) -> str:
    event = copy.deepcopy(_fixture_record("okta", "system_log_fixture.jsonl"))  # policy.evaluate_sign_on ALLOW
    event.update(uuid=f"okta-{number}", published="2026-06-01T09:00:01.120Z")
    client = fields.pop("client_ip", None)
    if client is not None:
        event["client"]["ipAddress"] = client
    event.update(fields)
    return json.dumps(event)


def okta_files() -> list[Landed]:
    log, expected = _lines([
        (okta_event(1), STAGED),
        (okta_event(2, client_ip=ZONE_IP), STAGED),
        (okta_event(3, outcome="SUCCESS"), ANY_REASON),  # a string where an object goes
        (okta_event(4, actor="dana.reyes@example.org"), ANY_REASON),
        (okta_event(5, published=1780000000), ANY_REASON),
        (okta_event(6, eventType={"type": "user.session.start"}), ANY_REASON),
        (okta_event(7, client_ip=3232235777), ANY_REASON),  # a number where an address goes
        (okta_event(8, published="1970-01-01T00:00:00Z"), "timestamp_before_floor"),
        (okta_event(9, published="2999-01-01T00:00:00.000Z"), "future_timestamp"),
        (okta_event(12, published="infinity"), "future_timestamp"),
        (okta_event(13, published="-infinity"), "timestamp_before_floor"),
        ('{"uuid": "okta-10", "published": "2026-06-01T09:', "malformed_json"),
        ('{"uuid": "okta-11", "eventType": "user.session.start", "note": "\\ud800"}', ANY_REASON),  # lone surrogate
        ("null", ANY_REASON),
        ("[]", "empty_batch"),
        ("", "blank_line"),
        ("x" * (1024 * 1024), "malformed_json"),  # a megabyte of junk
    ])
    return [
        Landed("okta/system_log.jsonl", log, expected),
        Landed("okta/logo.png", PNG, ["binary_file"]),
        Landed("okta/gone.json", None, ["unreadable_file"]),
    ]


def entra_sign_in(number: int, **properties) -> str:
    record = copy.deepcopy(_fixture_record("entra", "signin_fixture.jsonl"))  # a SignInLogs 50140 interrupt
    record["properties"]["id"] = f"entra-{number}"
    record["time"] = "2026-06-01T09:00:05Z"
    record["properties"]["createdDateTime"] = "2026-06-01T09:00:05Z"
    top = properties.pop("top", {})
    record["properties"].update(properties)
    record.update(top)
    return json.dumps(record)


def entra_files() -> list[Landed]:
    log, expected = _lines([
        (entra_sign_in(1), STAGED),
        (entra_sign_in(2, ipAddress=ZONE_IP), STAGED),
        (entra_sign_in(3, top={"properties": "signed in"}), ANY_REASON),  # a string where an object goes
        (entra_sign_in(4, status={"errorCode": {"code": 50126}}), ANY_REASON),  # an object where a number goes
        (entra_sign_in(5, location="ES"), STAGED),
        (entra_sign_in(6, userPrincipalName=42, userId=7), STAGED),
        (entra_sign_in(7, createdDateTime="1970-01-01T00:00:00Z"), "timestamp_before_floor"),
        (entra_sign_in(8, createdDateTime="2999-01-01T00:00:00Z"), "future_timestamp"),
        ('{"time": "2026-06-01T09:00:05Z", "properties": {"id": "entra-9"', "malformed_json"),
        ("3.14", "not_a_json_object"),
    ])
    return [Landed("entra/PT1H.json", log, expected)]


def activity(number: int, name: str = "login_success", **fields) -> dict:
    record = copy.deepcopy(_fixture_record("google_workspace", "login_activities_fixture.jsonl"))
    record["id"]["uniqueQualifier"] = f"gw-{number}"
    record["id"]["time"] = "2026-06-01T08:02:11.402Z"
    record["events"][0]["name"] = name
    parameters = fields.pop("parameters", None)
    if parameters is not None:
        record["events"][0]["parameters"] = parameters
    record.update(fields)
    return record


def google_workspace_files() -> list[Landed]:
    page = [
        (activity(1), STAGED),
        (activity(2, "login_failure"), STAGED),
        (activity(3, events="login_success"), ANY_REASON),  # a string where a list goes
        (activity(4, parameters={"name": "login_type", "value": "google_password"}), STAGED),
        (activity(5, parameters=[{"name": "login_challenge_method", "multiValue": "password"},
                                 {"name": "login_type", "value": {"v": 1}}]), STAGED),
        (activity(6, "suspicious_login", ipAddress=ZONE_IP), STAGED),
        (activity(7, id="gw-7"), ANY_REASON),  # a string where an object goes
        # a warning is timed at the attempt (login_timestamp, microseconds), else at the activity
        (activity(8, "suspicious_login", parameters=[{"name": "login_timestamp", "intValue": "9223372036854775807"}]),
         STAGED),  # past any timestamp type: no time
        (activity(9, "suspicious_login", parameters=[{"name": "login_timestamp", "intValue": "-9223372036854775807"}]),
         STAGED),
        (activity(13, "suspicious_login", parameters=[{"name": "login_timestamp", "intValue": "253402300799999999"}]),
         "future_timestamp"),  # 9999-12-31
        (activity(14, "suspicious_login", parameters=[{"name": "login_timestamp", "intValue": "-1"}]),
         "timestamp_before_floor"),
        (activity(10, "suspicious_login", parameters=[{"name": "login_timestamp", "intValue": "not a number"}]),
         STAGED),
        (activity(11, events=[]), ANY_REASON),
        (activity(12, events=[{"name": 5, "parameters": [1, "x", None]}]), ANY_REASON),
    ]
    api_page = {"kind": "admin#reports#activities", "etag": "\"e\"", "items": [record for record, _ in page]}
    lines, lines_expected = _lines([
        (json.dumps(activity(20, id={"time": "1970-01-01T00:00:00Z", "uniqueQualifier": "gw-20",
                                     "applicationName": "login"})), "timestamp_before_floor"),
        (json.dumps({"kind": "admin#reports#activities", "etag": "\"e\""}), "empty_page"),
        (json.dumps({"kind": "admin#reports#activities", "items": []}), "empty_batch"),
        (json.dumps(activity(21)), STAGED),
        ('{"kind": "admin#reports#activity", "id": {"time": "2026-06-01T08:02:11.402Z", "uniq', "malformed_json"),
    ])
    return [
        Landed("google_workspace/2026-06-01/login_page_1.json", json.dumps(api_page, indent=2).encode(),
               [expected for _, expected in page]),
        Landed("google_workspace/login.jsonl", lines, lines_expected),
    ]


def sshd_files() -> list[Landed]:
    log, expected = _lines([
        ("Jun  1 10:00:00 bastion-01 sshd[100]: Failed password for root from 203.0.113.9 port 4000 ssh2", STAGED),
        (f"Jun  1 10:00:01 bastion-01 sshd[101]: Failed password for root from {ZONE_IP} port 4001 ssh2", STAGED),
        (b"Jun  1 10:00:02 bastion-01 sshd[102]: Invalid user jos\xe9 from 203.0.113.9", "invalid_utf8"),
        ("Jun  1 10:00:03 bastion-01 sshd[103]: Accepted publickey for bob from 10.0.0.7 port 4003 ssh2: RSA x",
         STAGED),
        ("\x01\x02 not syslog at all [[[ '", ANY_REASON),
        # two billion events from one line would be two billion rows
        ("Jun  1 10:00:04 bastion-01 sshd[104]: message repeated 2000000000 times: [ Failed password for root "
         "from 203.0.113.9 port 4004 ssh2]", "implausible_repeat_count"),
        ("Jun  1 10:00:05 bastion-01 sshd[105]: message repeated 3 times: [ Failed password for root "
         "from 203.0.113.9 port 4005 ssh2]", STAGED),
    ], newline=b"\r\n")
    return [
        Landed("sshd/auth.log", log, expected),
        Landed("sshd/auth.log.1 (it's old)", _lines([(
            "Jun  1 09:00:00 bastion-01 sshd[99]: Failed password for root from 203.0.113.9 port 3999 ssh2", STAGED,
        )])[0], [STAGED]),
    ]


def unknown_files() -> list[Landed]:
    return [
        Landed("cloudtrial/x.json", json.dumps({"Records": [trail(eventID="typo-1")]}).encode(), ["unknown_source"]),
        Landed("notes.txt", b"who put this here\n", ["unknown_source"]),
    ]


def hostile_corpus() -> list[Landed]:
    return [*windows_files(), *cloudtrail_files(), *okta_files(), *entra_files(), *google_workspace_files(),
            *sshd_files(), *unknown_files()]


def land(landing: Path, corpus: list[Landed]) -> None:
    for landed in corpus:
        path = landing / landed.path
        path.parent.mkdir(parents=True, exist_ok=True)
        if landed.data is None:
            path.symlink_to(landing / "nowhere" / "gone.json")
            continue
        path.write_bytes(landed.data)
        os.utime(path, (LANDED_AT.timestamp(),) * 2)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> tuple[DbtProject, list[Landed], object]:
    root = tmp_path_factory.mktemp("hostile")
    landing = root / "landing"
    corpus = hostile_corpus()
    land(landing, corpus)
    project = DbtProject(root, landing)
    # everything the landing zone feeds (and their other parents), tests too, but model training and scoring
    failures = project.attempt("build", "--select", "@landing_lines",
                               "--exclude", "tag:uses_champion+", "ml_login_model_training+", "test_type:unit",
                               "--indirect-selection", "cautious")
    return project, corpus, failures


@pytest.fixture(scope="module")
def hostile_build(hostile) -> DbtProject:
    project, _, failures = hostile
    if failures is not None:
        pytest.fail(f"the hostile landing zone failed the build: {failures}")
    return project


# ------------------------------------------------------------ the tests


def test_the_build_survives_the_hostile_landing_zone(hostile):
    _, _, failures = hostile
    assert failures is None


def test_the_corpus_frames_as_built(hostile):
    """The reader counts what the corpus was built to hold (a check of the test itself)."""
    project, corpus, _ = hostile
    landing = Path(project.vars["landing_dir"])
    assert {str(path.relative_to(landing)): raw_record_count(path, landing) for path in landed_paths(landing)} == {
        landed.path: len(landed.expected) for landed in corpus}


def test_every_raw_record_of_every_file_is_accounted_for(hostile_build):
    rows = accounting_table(hostile_build)
    print("\n" + format_accounting_table(rows))
    unbalanced = [row["file"] for row in rows
                  if row["raw_records"] != row["staged"] + row["duplicate"] + row["quarantined"] + row["ignored"]]
    assert not unbalanced, format_accounting_table([row for row in rows if row["file"] in unbalanced])
    assert hostile_build.query(
        "select * from landing_audit where outcome not in ('staged', 'duplicate') and reason is null") == []
    assert hostile_build.query("select * from landing_audit where outcome in ('staged', 'duplicate') "
                               "and reason is not null") == []


def test_each_file_has_its_expected_outcomes(hostile_build, hostile):
    _, corpus, _ = hostile
    landing = Path(hostile_build.vars["landing_dir"])
    audited = defaultdict(Counter)
    for source_file, outcome, reason, count in hostile_build.query(
            "select source_file, outcome, reason, record_count from landing_audit"):
        audited[source_file][reason if outcome not in (STAGED, DUPLICATE) else outcome] += count
    mismatches = {}
    for landed in corpus:
        got = audited[shown(landing / landed.path)]
        wanted = Counter(landed.expected)
        exact = Counter({key: n for key, n in wanted.items() if key != ANY_REASON})
        surplus = got - exact  # what is left for the records of any reason
        if (any(got[key] < n for key, n in exact.items()) or surplus[STAGED] or surplus[DUPLICATE]
                or surplus.total() != wanted[ANY_REASON]):
            mismatches[landed.path] = (dict(wanted), dict(got))
    assert not mismatches, "\n".join(f"{shown(path)}: wanted {want}, got {got}" for path, (want, got) in mismatches.items())


def _audit(project: DbtProject, path: str) -> list[tuple]:
    source_file = str(Path(project.vars["landing_dir"]) / path)
    with_quotes = source_file.replace("'", "''")
    return project.query(f"select source_name, outcome, reason, record_count from landing_audit "
                         f"where source_file = '{with_quotes}' order by all")


def test_file_level_verdicts(hostile_build):
    assert _audit(hostile_build, "okta/logo.png") == [("okta", "quarantined", "binary_file", 1)]
    assert _audit(hostile_build, "okta/gone.json") == [("okta", "quarantined", "unreadable_file", 1)]
    assert _audit(hostile_build, "cloudtrail/truncated.json.gz") == [
        ("cloudtrail", "quarantined", "corrupt_compressed_file", 1)]
    assert _audit(hostile_build, "windows/empty.json") == [("windows", "ignored", "empty_file", 1)]
    assert _audit(hostile_build, "windows/whitespace.json") == [("windows", "ignored", "empty_file", 1)]
    assert _audit(hostile_build, "cloudtrial/x.json") == [("cloudtrial", "ignored", "unknown_source", 1)]
    assert _audit(hostile_build, "notes.txt") == [("(landing root)", "ignored", "unknown_source", 1)]


def test_compressed_encoded_and_nested_files_are_staged(hostile_build):
    for path, events in [
        ("cloudtrail/bom_batch.json", 2), ("cloudtrail/batch.json.zst", 2), ("cloudtrail/batch.json.bz2", 1),
        ("windows/powershell_export.json", 2), ("windows/2026/10/30/x.json", 2),
        ("windows/archive/security.jsonl.xz", 1), ("windows/caf\\xe9.jsonl", 1), ("sshd/auth.log.1 (it's old)", 1),
    ]:
        assert _audit(hostile_build, path) == [(path.split("/")[0], "staged", None, events)], path
    (users,), = hostile_build.query(
        "select list(user_name order by metadata_uid) from ocsf_authentication where source_name = 'windows' "
        "and _source_file like '%powershell_export.json'")
    assert users == ["alice", "zoë"]


def test_a_bad_line_is_quarantined_alone(hostile_build):
    landing = Path(hostile_build.vars["landing_dir"])
    rows = hostile_build.query(
        f"select source_line, reason, raw_text from quarantine where source_file = '{landing}/windows/security.jsonl'"
        " and reason = 'invalid_utf8'")
    assert len(rows) == 1 and rows[0][0] == 3 and "\\xc9" in rows[0][2]
    (floor_lines,), = hostile_build.query(
        f"select list(source_line order by source_line) from quarantine "
        f"where source_file = '{landing}/windows/security.jsonl' and reason = 'timestamp_before_floor'")
    assert floor_lines == [18, 19]


def test_three_failures_without_record_numbers_are_three_events(hostile_build):
    rows = hostile_build.query(
        "select user_name from ocsf_authentication where source_name = 'windows' and metadata_event_code = '4625' "
        "and metadata_uid is null order by user_name")
    assert rows == [("bob",), ("carol",), ("dave",)]


def test_an_ipv6_address_with_a_zone_id_is_an_address(hostile_build):
    rows = hostile_build.query(
        f"select source_name, count(*) from ocsf_authentication where src_endpoint_ip = '{ZONE_IP}' group by 1")
    assert dict(rows) == {"windows": 1, "cloudtrail": 1, "okta": 1, "entra": 1, "google_workspace": 1, "sshd": 1}


def test_a_repeated_message_is_its_events_unless_implausible(hostile_build):
    landing = Path(hostile_build.vars["landing_dir"])
    rows = hostile_build.query(
        f"select _source_line, count(*) from ocsf_authentication where _source_file = '{landing}/sshd/auth.log' "
        "group by 1 order by 1")
    assert rows == [(1, 1), (2, 1), (4, 1), (7, 3)]


def test_a_huge_record_is_staged_whole(hostile_build):
    (length,), = hostile_build.query(
        "select length(raw_line) from staging.stg_windows__security_events where metadata_uid = '13'")
    assert length > HUGE


def test_names_with_regex_and_quote_characters(hostile_build):
    rows = hostile_build.query("select api_operation from ocsf_api_activity where metadata_uid = 'api-4'")
    assert rows == [("Get[Object].v2's'",)]
