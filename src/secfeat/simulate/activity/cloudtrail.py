"""AWS CloudTrail: console and CLI work, roles assumed, instance profiles refreshing their credentials."""

from __future__ import annotations

import base64
import random
import re
import zlib
from datetime import datetime, timedelta

from secfeat.simulate.events import Event
from secfeat.simulate.formats import AWS_ID_CHARACTERS, MONTH_ABBREVIATIONS, _stable_id, _token
from secfeat.simulate.population import BROWSERS, User, _egress_ip

AWS_ACCOUNT = "314159265358"
ORDINARY_ROLES = ("ReadOnlyAccess", "DataScienceRole", "DeveloperRole")
PRIVILEGED_ROLES = ("AdministratorAccess", "PlatformAdmin")  # a privileged role's name contains "Admin"
# What the service accounts of an org shape (simulate.shapes) assume: no admin among them.
SERVICE_ROLES = ("DeployRole", "BackupRole")
INSTANCE_ROLES = (("i-0a4c1e2b7d9f3a581", "WebServerInstanceRole"), ("i-07b2d9e4c1a8f6352", "BatchWorkerRole"),
                  ("i-0e9f8a7b6c5d4e3f2", "WebServerInstanceRole"))
S3_BUCKETS = ("corp-data-lake", "corp-backups", "corp-web-assets")
# API calls people make: (service, eventName, requestParameters, readOnly).
AWS_READ_CALLS = (
    ("ec2", "DescribeInstances", {"instancesSet": {}, "filterSet": {}}, True),
    ("ec2", "DescribeSecurityGroups", {"securityGroupSet": {}, "securityGroupIdSet": {}, "filterSet": {}}, True),
    ("ec2", "DescribeVpcs", {"vpcSet": {}, "filterSet": {}}, True),
    ("s3", "ListBuckets", {"Host": "s3.amazonaws.com"}, True),
    ("s3", "GetBucketPolicy", {"bucketName": S3_BUCKETS[0], "Host": f"{S3_BUCKETS[0]}.s3.amazonaws.com", "policy": ""},
     True),
    ("s3", "GetBucketAcl", {"bucketName": S3_BUCKETS[1], "Host": f"{S3_BUCKETS[1]}.s3.amazonaws.com", "acl": ""}, True),
    ("iam", "ListRoles", None, True),
    ("iam", "ListUsers", None, True),
    ("sts", "GetCallerIdentity", None, True),
)
# What somebody does once they hold an admin role.
AWS_ADMIN_CALLS = (
    ("iam", "ListUsers", None, True),
    ("iam", "GetAccountAuthorizationDetails", {"filter": ["User", "Role"]}, True),
    ("iam", "CreateAccessKey", {"userName": "svc-backup"}, False),
    ("iam", "AttachUserPolicy", {"userName": "svc-backup", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"},
     False),
)

ROLE_IDS = {role: _stable_id("AROA", role) for role in ORDINARY_ROLES + PRIVILEGED_ROLES + SERVICE_ROLES
            + tuple(role for _, role in INSTANCE_ROLES)}


def _aws_time(at: datetime) -> str:
    return at.isoformat(timespec="seconds") + "Z"


def _iam_user(user: User, access_key: str | None = None, signed_in_at: datetime | None = None,
              mfa: bool = False) -> dict:
    identity = {"type": "IAMUser", "principalId": user.aws_id, "arn": f"arn:aws:iam::{AWS_ACCOUNT}:user/{user.name}",
                "accountId": AWS_ACCOUNT, "userName": user.name}
    if access_key:
        identity["accessKeyId"] = access_key
    if signed_in_at:
        identity["sessionContext"] = {"sessionIssuer": {}, "webIdFederationData": {},
                                      "attributes": {"creationDate": _aws_time(signed_in_at),
                                                     "mfaAuthenticated": "true" if mfa else "false"}}
    return identity


def _assumed_role(role: str, session: str, access_key: str, created: datetime, mfa: bool) -> dict:
    role_arn = f"arn:aws:iam::{AWS_ACCOUNT}:role/{role}"
    return {
        "type": "AssumedRole",
        "principalId": f"{ROLE_IDS[role]}:{session}",
        "arn": f"arn:aws:sts::{AWS_ACCOUNT}:assumed-role/{role}/{session}",
        "accountId": AWS_ACCOUNT,
        "accessKeyId": access_key,
        "sessionContext": {
            "sessionIssuer": {"type": "Role", "principalId": ROLE_IDS[role], "arn": role_arn,
                              "accountId": AWS_ACCOUNT, "userName": role},
            "webIdFederationData": {},
            "attributes": {"creationDate": _aws_time(created), "mfaAuthenticated": "true" if mfa else "false"},
        },
    }


def _cloudtrail(at: datetime, identity: dict, service: str, name: str, ip: str, agent: str, *,
                params: dict | None = None, response: dict | None = None, read_only: bool = True,
                error: tuple[str | None, str] | None = None, extra: dict | None = None,
                resources: list | None = None, region: str = "us-east-1") -> Event:
    attrs = {"identity": identity, "source": f"{service}.amazonaws.com", "name": name, "ip": ip, "agent": agent,
             "params": params, "response": response, "read_only": read_only, "error": error, "extra": extra,
             "resources": resources, "region": region}
    return Event(at, "cloudtrail", name, attrs)


def _console_login(at: datetime, user: User, ip: str, agent: str, success: bool, mfa: bool) -> Event:
    extra = {"LoginTo": "https://console.aws.amazon.com/console/home", "MobileVersion": "No",
             "MFAUsed": "Yes" if mfa else "No"}
    return _cloudtrail(at, _iam_user(user), "signin", "ConsoleLogin", ip, agent, read_only=False,
                       response={"ConsoleLogin": "Success" if success else "Failure"}, extra=extra,
                       error=None if success else (None, "Failed authentication"))


def _aws_expiration(at: datetime) -> str:
    """CloudTrail writes credential expiry as "Sep 14, 2020, 7:01:26 AM"."""
    hour = at.hour % 12 or 12
    return f"{MONTH_ABBREVIATIONS[at.month]} {at.day}, {at.year}, {hour}:{at:%M:%S} {'AM' if at.hour < 12 else 'PM'}"


def _assume_role(rng: random.Random, at: datetime, caller: dict, role: str, session: str, ip: str, agent: str,
                 allowed: bool = True, mfa: bool = False) -> tuple[Event, dict | None]:
    """An AssumeRole record, and the identity its credentials carry (None if refused)."""
    role_arn = f"arn:aws:iam::{AWS_ACCOUNT}:role/{role}"
    params = {"roleArn": role_arn, "roleSessionName": session}
    resources = [{"accountId": AWS_ACCOUNT, "type": "AWS::IAM::Role", "ARN": role_arn}]
    if not allowed:
        denied = f"User: {caller['arn']} is not authorized to perform: sts:AssumeRole on resource: {role_arn}"
        return _cloudtrail(at, caller, "sts", "AssumeRole", ip, agent, params=params, error=("AccessDenied", denied),
                           resources=resources), None
    access_key = "ASIA" + _token(rng, AWS_ID_CHARACTERS, 16)
    response = {
        "credentials": {"accessKeyId": access_key,
                        "sessionToken": "IQoJb3JpZ2luX2Vj" + base64.b64encode(rng.randbytes(240)).decode(),
                        "expiration": _aws_expiration(at + timedelta(hours=1))},
        "assumedRoleUser": {"assumedRoleId": f"{ROLE_IDS[role]}:{session}",
                            "arn": f"arn:aws:sts::{AWS_ACCOUNT}:assumed-role/{role}/{session}"},
    }
    event = _cloudtrail(at, caller, "sts", "AssumeRole", ip, agent, params=params, response=response,
                        resources=resources)
    return event, _assumed_role(role, session, access_key, at, mfa)


def _cli_agent(service: str, name: str) -> str:
    command = re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()
    return f"aws-cli/2.15.17 Python/3.11.6 Windows/10 exe/AMD64 prompt/off command/{service}.{command}"


def _api_calls(rng: random.Random, at: datetime, identity: dict, ip: str, console: bool, calls: tuple,
               count: int) -> list[Event]:
    events = []
    for _ in range(count):
        at += timedelta(seconds=rng.randint(2, 180))
        service, name, params, read_only = rng.choice(calls)
        agent = f"console.{service}.amazonaws.com" if console else _cli_agent(service, name)
        region = "us-east-1" if service in ("iam", "sts", "s3") or rng.random() < 0.7 else "eu-west-1"
        events.append(_cloudtrail(at, identity, service, name, ip, agent, params=params, read_only=read_only,
                                  region=region, error=_everyday_denial(at, identity, service, name)))
    return events


def _everyday_denial(at: datetime, identity: dict, service: str, name: str) -> tuple[str, str] | None:
    """About one call in 40 is refused, as in any account (a console page
    probing what its user may not see). Decided by a hash of the call, not
    the rng, so the rest of the log stays what it was."""
    if zlib.crc32(f"{at.isoformat()} {identity['arn']} {name}".encode()) % 40:
        return None
    return "AccessDenied", f"User: {identity['arn']} is not authorized to perform: {service}:{name}"


def _aws_session(rng: random.Random, at: datetime, user: User) -> list[Event]:
    """Console work (sign in, look around, maybe switch role) or CLI work
    (usually under a role); admins take the admin role now and then, and
    somebody is refused a role they do not have."""
    ip = _egress_ip(rng, user)
    events: list[Event] = []
    console = rng.random() < 0.5
    agent = BROWSERS[user.browser][0] if console else _cli_agent("sts", "AssumeRole")
    mfa = rng.random() < 0.9
    if console:
        if rng.random() < 0.05:
            events.append(_console_login(at, user, ip, agent, success=False, mfa=False))
            at += timedelta(seconds=rng.randint(10, 60))
        events.append(_console_login(at, user, ip, agent, success=True, mfa=mfa))
        identity = _iam_user(user, "ASIA" + _token(rng, AWS_ID_CHARACTERS, 16), at, mfa)
    else:
        identity = _iam_user(user, user.aws_key)
    if rng.random() < (0.3 if console else 0.6):
        at += timedelta(seconds=rng.randint(5, 120))
        if user.is_admin and rng.random() < 0.3:
            role, allowed = rng.choice(PRIVILEGED_ROLES), True
        elif not user.is_admin and rng.random() < 0.03:
            role, allowed = PRIVILEGED_ROLES[0], False
        else:
            role, allowed = rng.choice(ORDINARY_ROLES), True
        event, assumed = _assume_role(rng, at, identity, role, user.name, ip, agent, allowed, mfa)
        events.append(event)
        identity = assumed or identity
    events.extend(_api_calls(rng, at, identity, ip, console, AWS_READ_CALLS, rng.randint(2, 8)))
    return events


def _instance_role_refreshes(rng: random.Random, day: datetime, budget: int) -> list[Event]:
    """EC2 fetching fresh instance-profile credentials through the day."""
    refreshes = max(1, budget // 700)
    events = []
    for index in range(refreshes):
        at = day + timedelta(seconds=int(86400 * (index + rng.random()) / refreshes))
        instance, role = INSTANCE_ROLES[index % len(INSTANCE_ROLES)]
        service = {"type": "AWSService", "invokedBy": "ec2.amazonaws.com"}
        event, _ = _assume_role(rng, at, service, role, instance, "ec2.amazonaws.com", "ec2.amazonaws.com")
        events.append(event)
    return events
