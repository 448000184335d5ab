"""Alerts as OCSF Detection Findings (class 2004), one JSON object a line.

``secfeat export-alerts`` reads the ``alerts`` model of the *published* build
(secfeat.warehouse), never the build warehouse, and writes each alert as an
OCSF 1.8.0 Detection Finding::

    alerts column                       Detection Finding attribute
    alert_id                            metadata.uid, finding_info.uid
    title / description                 message, finding_info.title / finding_info.desc
    detection, detection_kind           finding_info.analytic {name, uid, type_id, type}
                                        (rule: 1 Rule; model: 4 Learning (ML/DL))
    model_version (models)              finding_info.analytic.version
    detection_rule_uid (Sigma rules)    finding_info.analytic.uid (else the detection's name)
    detection_author, detection_license finding_info.analytic.desc and finding_info.tags
                                        (rule_author, rule_license): the licence's author credit
    detection_rule_url                  finding_info.src_url
    score (models)                      confidence_score (0-100)
    attack_technique_uid / _name        finding_info.attacks[0].technique, or for a
                                        sub-technique (T1110.003) .sub_technique, with
                                        .technique.uid its parent (T1110)
    attack_tactic_uid / _name           finding_info.attacks[0].tactic
    severity_id                         severity_id, severity (the schema's caption)
    first_event_at / last_event_at      start_time / end_time, finding_info.first_seen_time /
                                        last_seen_time, time (last_event_at), epoch ms
    event_count                         finding_info.related_events_count
    evidence_event_uids                 finding_info.related_events[].uid
    entity_type, entity_key             evidences[0].user.name, .src_endpoint.ip or .device.hostname,
                                        and observables[0] pointing at it
    status                              is_alert (true when raised); status_id 1 New
    everything else                     unmapped (alert_day, daily_rank, status, ...)

An alert's time is its last event's: ``--since``/``--until`` select
``since <= last_event_at < until`` (UTC), so consecutive exports with
``--until`` of one as ``--since`` of the next cover every alert once, as of
the build they read. Lines are in first_event_at, alert_id order, keys
sorted, no NaN: the same alerts give the same bytes.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import IO

import secfeat

OCSF_VERSION = "1.8.0"
CATEGORY_UID, CATEGORY_NAME = 2, "Findings"
CLASS_UID, CLASS_NAME = 2004, "Detection Finding"
ACTIVITY_ID, ACTIVITY_NAME = 1, "Create"
TYPE_UID = CLASS_UID * 100 + ACTIVITY_ID
STATUS_ID, STATUS = 1, "New"
PRODUCT = {"name": "secfeat", "vendor_name": "secfeat", "version": secfeat.__version__}

# severity_id -> the schema's caption (base_event.json severity_id)
SEVERITIES = {1: "Informational", 2: "Low", 3: "Medium", 4: "High", 5: "Critical", 6: "Fatal"}
# detection_kind -> analytic type_id and its caption (objects/analytic.json); entity risk is a
# statistical analytic: weights that decay, summed over detections
ANALYTIC_TYPES = {"rule": (1, "Rule"), "model": (4, "Learning (ML/DL)"), "risk": (3, "Statistical")}
# entity_type -> the evidence artifact naming it, and its observable type (dictionary.json types);
# a device must say its type: a host a log names is of unknown type (0)
ENTITIES = {
    "user": ("user", "name", 4, "User Name"),
    "src_ip": ("src_endpoint", "ip", 2, "IP Address"),
    "host": ("device", "hostname", 1, "Hostname"),
}
EVIDENCE_REQUIRED = {"device": {"type_id": 0, "type": "Unknown"}}

# What the exporter reads from the alerts model (models/detections/alerts.sql), with the types it expects.
ALERT_COLUMNS = {
    "alert_id": "VARCHAR",
    "alert_day": "DATE",
    "status": "VARCHAR",
    "daily_rank": "INTEGER",
    "detection": "VARCHAR",
    "detections": "VARCHAR[]",
    "detection_kind": "VARCHAR",
    "title": "VARCHAR",
    "description": "VARCHAR",
    "attack_technique_uid": "VARCHAR",
    "attack_technique_name": "VARCHAR",
    "attack_tactic_uid": "VARCHAR",
    "attack_tactic_name": "VARCHAR",
    "severity": "VARCHAR",
    "severity_id": "INTEGER",
    "entity_type": "VARCHAR",
    "entity_key": "VARCHAR",
    "first_event_at": "TIMESTAMP",
    "last_event_at": "TIMESTAMP",
    "event_count": "BIGINT",
    "evidence_event_uids": "VARCHAR[]",
    "score": "DOUBLE",
    "model_name": "VARCHAR",
    "model_version": "VARCHAR",
    "detection_rule_uid": "VARCHAR",
    "detection_author": "VARCHAR",
    "detection_license": "VARCHAR",
    "detection_rule_url": "VARCHAR",
}
# alert columns kept as they are under `unmapped` (no OCSF attribute says the same)
UNMAPPED_COLUMNS = ("alert_day", "daily_rank", "status", "detection_kind", "detections", "entity_type",
                    "entity_key", "score", "model_name", "model_version")

EXPORTED_STATUSES = ("raised",)
OVER_BUDGET = "over_budget"
_EPOCH = datetime(1970, 1, 1)


class AlertError(ValueError):
    """An alert row that cannot be written as a conforming finding."""


def epoch_ms(value: datetime) -> int:
    """A UTC timestamp (naive, as the warehouse keeps them, or aware) in epoch milliseconds."""
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return (value - _EPOCH) // timedelta(milliseconds=1)


def utc_naive(value: datetime) -> datetime:
    """A --since/--until time as the warehouse compares it: UTC, naive (a naive time is taken as UTC)."""
    return value.astimezone(timezone.utc).replace(tzinfo=None) if value.tzinfo is not None else value


def _present(value) -> bool:
    return value is not None and value != "" and value != []


def _attack(alert: Mapping) -> dict | None:
    """The ATT&CK technique (or sub-technique, under its parent technique) and tactic, or None."""
    attack = {}
    technique_uid, technique_name = alert.get("attack_technique_uid"), alert.get("attack_technique_name")
    if _present(technique_uid) and "." in technique_uid:
        attack["sub_technique"] = {"uid": technique_uid, **({"name": technique_name} if technique_name else {})}
        attack["technique"] = {"uid": technique_uid.split(".", 1)[0]}
    elif _present(technique_uid) or _present(technique_name):
        attack["technique"] = {key: value for key, value in (("uid", technique_uid), ("name", technique_name))
                               if _present(value)}
    tactic = {key: value for key, value in (("uid", alert.get("attack_tactic_uid")),
                                            ("name", alert.get("attack_tactic_name"))) if _present(value)}
    if tactic:
        attack["tactic"] = tactic
    return attack or None


def _unmapped_value(value):
    if isinstance(value, date):  # datetime is a date too
        return value.isoformat()
    return value


def to_finding(alert: Mapping) -> dict:
    """One alert row (a mapping of ALERT_COLUMNS) as an OCSF 1.8.0 Detection Finding."""
    alert_id = alert.get("alert_id")
    if not _present(alert_id):
        raise AlertError(f"an alert has no alert_id: {dict(alert)}")

    def fail(problem: str):
        raise AlertError(f"alert {alert_id}: {problem}")

    for column in ("first_event_at", "last_event_at", "severity_id", "entity_type", "entity_key",
                   "detection", "detection_kind"):
        if not _present(alert.get(column)):
            fail(f"{column} is null")
    severity_id = alert["severity_id"]
    if severity_id not in SEVERITIES:
        fail(f"severity_id {severity_id} is not one of {sorted(SEVERITIES)}")
    severity = SEVERITIES[severity_id]
    if _present(alert.get("severity")) and alert["severity"].lower() != severity.lower():
        fail(f"severity {alert['severity']!r} is not severity_id {severity_id} ({severity})")
    kind = alert["detection_kind"]
    if kind not in ANALYTIC_TYPES:
        fail(f"detection_kind {kind!r} is not one of {sorted(ANALYTIC_TYPES)}")
    if alert["entity_type"] not in ENTITIES:
        fail(f"entity_type {alert['entity_type']!r} is not one of {sorted(ENTITIES)}")
    score = alert.get("score")
    if score is not None and not (math.isfinite(score) and 0.0 <= score <= 1.0):
        fail(f"score {score} is not in [0, 1]")

    first_ms, last_ms = epoch_ms(alert["first_event_at"]), epoch_ms(alert["last_event_at"])
    type_id, type_caption = ANALYTIC_TYPES[kind]
    analytic = {"name": alert["detection"], "uid": alert["detection"], "type_id": type_id, "type": type_caption}
    if kind == "model" and _present(alert.get("model_version")):
        analytic["version"] = str(alert["model_version"])
    rule_tags = []
    if _present(alert.get("detection_rule_uid")):
        analytic["uid"] = str(alert["detection_rule_uid"])
    if _present(alert.get("detection_author")):
        licence = alert.get("detection_license") if _present(alert.get("detection_license")) else None
        analytic["desc"] = f"Rule by {alert['detection_author']}" + (f", under {licence}" if licence else "")
        rule_tags.append({"name": "rule_author", "value": str(alert["detection_author"])})
        if licence:
            rule_tags.append({"name": "rule_license", "value": str(licence)})

    finding_info = {"uid": alert_id, "analytic": analytic, "first_seen_time": first_ms, "last_seen_time": last_ms}
    if rule_tags:
        finding_info["tags"] = rule_tags
    if _present(alert.get("detection_rule_url")):
        finding_info["src_url"] = str(alert["detection_rule_url"])
    if _present(alert.get("title")):
        finding_info["title"] = alert["title"]
    if _present(alert.get("description")):
        finding_info["desc"] = alert["description"]
    attack = _attack(alert)
    if attack:
        finding_info["attacks"] = [attack]
    uids = [uid for uid in (alert.get("evidence_event_uids") or []) if _present(uid)]
    if uids:
        finding_info["related_events"] = [{"uid": str(uid)} for uid in uids]
    if alert.get("event_count") is not None:
        finding_info["related_events_count"] = int(alert["event_count"])

    evidence_object, evidence_attribute, observable_type_id, observable_type = ENTITIES[alert["entity_type"]]
    entity_key = str(alert["entity_key"])

    finding = {
        "activity_id": ACTIVITY_ID,
        "activity_name": ACTIVITY_NAME,
        "category_uid": CATEGORY_UID,
        "category_name": CATEGORY_NAME,
        "class_uid": CLASS_UID,
        "class_name": CLASS_NAME,
        "type_uid": TYPE_UID,
        "type_name": f"{CLASS_NAME}: {ACTIVITY_NAME}",
        "time": last_ms,
        "start_time": first_ms,
        "end_time": last_ms,
        "timezone_offset": 0,
        "severity_id": severity_id,
        "severity": severity,
        "status_id": STATUS_ID,
        "status": STATUS,
        "is_alert": alert.get("status") in EXPORTED_STATUSES,
        "finding_info": finding_info,
        "evidences": [{evidence_object: {evidence_attribute: entity_key, **EVIDENCE_REQUIRED.get(evidence_object, {})}}],
        "observables": [{"name": f"evidences[0].{evidence_object}.{evidence_attribute}",
                         "type_id": observable_type_id, "type": observable_type, "value": entity_key}],
        "metadata": {"product": dict(PRODUCT), "version": OCSF_VERSION, "uid": alert_id, "log_name": "alerts"},
    }
    if _present(alert.get("title")):
        finding["message"] = alert["title"]
    if kind == "model" and score is not None:
        finding["confidence_score"] = round(score * 100)
    unmapped = {column: _unmapped_value(alert[column]) for column in UNMAPPED_COLUMNS
                if _present(alert.get(column))}
    if unmapped:
        finding["unmapped"] = unmapped
    return finding


def to_json_line(finding: Mapping) -> str:
    """The finding as one line: keys sorted, no whitespace, no NaN (an error instead)."""
    return json.dumps(finding, sort_keys=True, separators=(",", ":"), allow_nan=False) + "\n"


def alerts_query(*, until: bool, include_over_budget: bool) -> str:
    statuses = (*EXPORTED_STATUSES, OVER_BUDGET) if include_over_budget else EXPORTED_STATUSES
    return (
        f"select {', '.join(ALERT_COLUMNS)} from alerts"
        f" where status in ({', '.join(repr(status) for status in statuses)})"
        " and last_event_at >= $since" + (" and last_event_at < $until" if until else "")
        + " order by first_event_at, alert_id"
    )


def iter_alerts(con, since: datetime, until: datetime | None = None, *, include_over_budget: bool = False,
                batch_size: int = 1000) -> Iterator[dict]:
    """The alerts with since <= last_event_at < until (UTC), in first_event_at, alert_id order, as dicts."""
    since, until = utc_naive(since), utc_naive(until) if until is not None else None
    if until is not None and until <= since:
        raise ValueError(f"--until ({until}) must be after --since ({since})")
    missing = set(ALERT_COLUMNS) - {name for (name,) in con.execute(
        "select column_name from duckdb_columns() where database_name = current_database() "
        "and schema_name = current_schema() and table_name = 'alerts'").fetchall()}
    if missing == set(ALERT_COLUMNS):
        raise ValueError("this warehouse has no alerts table: build models/detections/alerts.sql first")
    if missing:
        raise ValueError(f"the alerts table has no {', '.join(sorted(missing))}: rebuild it")
    params = {"since": since, **({"until": until} if until is not None else {})}
    result = con.execute(alerts_query(until=until is not None, include_over_budget=include_over_budget), params)
    columns = [column[0] for column in result.description]
    while rows := result.fetchmany(batch_size):
        for row in rows:
            yield dict(zip(columns, row))


def write_findings(con, out: IO[str], since: datetime, until: datetime | None = None, *,
                   include_over_budget: bool = False) -> int:
    """Stream the alerts of `con` (any DuckDB connection with an alerts table) to `out` as JSON lines."""
    count = 0
    for alert in iter_alerts(con, since, until, include_over_budget=include_over_budget):
        out.write(to_json_line(to_finding(alert)))
        count += 1
    return count


def findings_lines(alerts: Iterable[Mapping]) -> list[str]:
    """Alert rows (dicts) as the lines write_findings would write for them, in the order given."""
    return [to_json_line(to_finding(alert)) for alert in alerts]


def export_published(database: str | Path | None, out: Path | None, since: datetime,
                     until: datetime | None = None, *, include_over_budget: bool = False,
                     stdout: IO[str] | None = None):
    """Export the published build of `database` (secfeat.warehouse.open_current): to `out`, written
    whole or not at all (a temporary file beside it, renamed), or to `stdout`. Returns (build, count)."""
    import sys

    from secfeat import warehouse

    build, con = warehouse.open_current(database)
    try:
        if out is None:
            return build, write_findings(con, stdout or sys.stdout, since, until,
                                         include_over_budget=include_over_budget)
        out = Path(out)
        partial = out.with_name(f".{out.name}.partial-{os.getpid()}")
        try:
            with partial.open("w", encoding="utf-8", newline="\n") as handle:
                count = write_findings(con, handle, since, until, include_over_budget=include_over_budget)
            os.replace(partial, out)
        finally:
            partial.unlink(missing_ok=True)
        return build, count
    finally:
        con.close()
