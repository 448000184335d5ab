"""AWS CloudTrail records, one per line."""

from __future__ import annotations

import random

from secfeat.simulate.activity.cloudtrail import AWS_ACCOUNT, _aws_time
from secfeat.simulate.events import Event
from secfeat.simulate.formats import _compact_json, _uuid
from secfeat.simulate.renderers.base import Renderer


class CloudTrailRenderer(Renderer):
    """One CloudTrail record per line, as a trail's log files hold them (unwrapped from "Records")."""

    source = "cloudtrail"
    file_stem = "cloudtrail"
    suffix = "jsonl"
    bad_record = "a record without eventTime"

    def render(self, event: Event, rng: random.Random, defect: bool = False) -> str:
        attrs = event.attrs
        record = {
            "eventVersion": "1.08",
            "userIdentity": attrs["identity"],
            "eventTime": _aws_time(event.at),
            "eventSource": attrs["source"],
            "eventName": attrs["name"],
            "awsRegion": attrs["region"],
            "sourceIPAddress": attrs["ip"],
            "userAgent": attrs["agent"],
        }
        if attrs["error"]:
            code, message = attrs["error"]
            if code:
                record["errorCode"] = code
            record["errorMessage"] = message
        record["requestParameters"] = attrs["params"]
        record["responseElements"] = attrs["response"]
        if attrs["extra"]:
            record["additionalEventData"] = attrs["extra"]
        record["requestID"] = _uuid(rng)
        record["eventID"] = _uuid(rng)
        record["readOnly"] = attrs["read_only"]
        if attrs["resources"]:
            record["resources"] = attrs["resources"]
        record["eventType"] = "AwsConsoleSignIn" if attrs["name"] == "ConsoleLogin" else "AwsApiCall"
        record["managementEvent"] = True
        record["recipientAccountId"] = AWS_ACCOUNT
        record["eventCategory"] = "Management"
        if defect:
            del record["eventTime"]
        return _compact_json(record)
