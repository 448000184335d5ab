"""Demo landing zone: realistic multi-vendor raw logs with injected attacks.

Writes one file per source per day in the vendors' native formats: Windows
Security events as NXLog JSON, OpenSSH syslog, CloudTrail records, Okta System
Log events and Entra ID sign-ins as Azure Monitor exports them; plus
``incidents.csv`` with the ground truth of every injected attack. One person
has one account everywhere: ``alice.smith`` on Windows (domain CORP), sshd
and IAM, ``alice.smith@corp.example`` at the identity providers. Output is
deterministic for a seed and an end time; memory is bounded by one day of
events, so millions of events stream to disk.

Each file's modification time is set to when it would have landed (shortly
after the end of its day): the warehouse treats that as the ingest time.
About one event in a hundred arrives a day late, in the next day's file; a
few lines are cut short, and a few cloud records are subtly wrong
(``BAD_RECORDS``), for the quarantine to catch.

sshd writes one login attempt as several lines with the same pid; how many
attempts a line stands for is defined by ``sshd_attempts`` (per generated
line) and ``count_sshd_attempts`` (the same rule read back from raw text).
"""

from __future__ import annotations

import base64
import csv
import json
import os
import random
import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from operator import attrgetter
from pathlib import Path
from typing import Callable, Iterable

# Source folder names under the landing directory (the dbt sources read these).
SOURCES = ("windows", "sshd", "cloudtrail", "okta", "entra")
FILE_NAMES = {  # source: (file stem, suffix)
    "windows": ("security", "jsonl"),
    "sshd": ("auth", "log"),
    "cloudtrail": ("cloudtrail", "jsonl"),
    "okta": ("system_log", "jsonl"),
    "entra": ("signin", "jsonl"),
}

DOMAIN = "CORP"
DNS_DOMAIN = "corp.example"
KERBEROS_REALM = DNS_DOMAIN.upper()
DOMAIN_SID = "S-1-5-21-3623811015-3361044348-30300820"
LATE_EVENT_SHARE = 0.01
MALFORMED_LINE_SHARE = 0.0002
LANDING_DELAY = timedelta(minutes=10)
# About one record in this many of each cloud source is subtly wrong, as described here.
BAD_RECORD_INTERVAL = 5000
BAD_RECORDS = {
    "cloudtrail": "a record without eventTime",
    "okta": 'an event whose outcome.result is "MAYBE"',
    "entra": "a sign-in whose time and createdDateTime are not valid times (hour 25)",
}

FIRST_NAMES = (
    "alice bob carol dave erin frank grace heidi ivan judy mallory niaj olivia peggy "
    "rupert sybil trent victor walter xena yusuf zoe amir bea chen dara emeka fatima "
    "goran hana ines jonas kenji lena mateo nora omar priya quinn rosa sven tariq uma "
    "vera wen ximena yara zane"
).split()
LAST_NAMES = (
    "smith jones garcia miller davis lopez wilson anderson thomas moore martin lee "
    "clark lewis walker young allen king wright scott green baker adams nelson hill "
    "campbell mitchell roberts carter phillips evans turner torres parker collins "
    "edwards stewart morris murphy cook rogers morgan peterson cooper reed bailey"
).split()

# Fictional address blocks per country (the demo's stand-in for a GeoIP database).
COUNTRY_NETWORKS = {
    "US": ("23.20", "23.21", "64.12", "98.137"),
    "GB": ("81.2", "86.128"),
    "DE": ("91.64", "93.104"),
    "IN": ("49.36", "117.192"),
    "BR": ("177.40", "189.4"),
    "CA": ("142.112",),
    "FR": ("90.80",),
    "JP": ("126.72",),
}
HOME_COUNTRY_WEIGHTS = {"US": 55, "GB": 12, "DE": 10, "IN": 10, "BR": 5, "CA": 4, "FR": 2, "JP": 2}
# Where attack traffic comes from (never anybody's home country in the demo).
HOSTILE_NETWORKS = {
    "RU": ("95.24", "178.176"),
    "CN": ("61.135", "222.186"),
    "KP": ("175.45",),
    "NG": ("105.112",),
    "VN": ("113.160",),
}
UTC_OFFSET_HOURS = {"US": -5, "GB": 0, "DE": 1, "IN": 5, "BR": -3, "CA": -5, "FR": 1, "JP": 9}
NETWORK_COUNTRY = {prefix: code for code, prefixes in {**COUNTRY_NETWORKS, **HOSTILE_NETWORKS}.items()
                   for prefix in prefixes}
# Each office reaches the internet through one NAT address.
OFFICE_EGRESS = {code: f"{prefixes[0]}.1.10" for code, prefixes in COUNTRY_NETWORKS.items()}
# country: (English name, as Okta writes it; cities: (city, state, postal code, lat, lon); network: (AS number,
# AS organisation, ISP, domain)).
GEO = {
    "US": ("United States", (("New York", "New York", "10013", 40.7209, -74.0047),
                             ("Chicago", "Illinois", "60601", 41.8853, -87.6216),
                             ("Austin", "Texas", "78701", 30.2713, -97.7426)),
           (7922, "comcast cable communications, llc", "comcast", "comcast.net")),
    "GB": ("United Kingdom", (("London", "England", "EC1A", 51.5164, -0.093),
                              ("Manchester", "England", "M1", 53.4794, -2.2453)),
           (2856, "british telecommunications plc", "bt", "bt.com")),
    "DE": ("Germany", (("Berlin", "Land Berlin", "10115", 52.5321, 13.3849),
                       ("Munich", "Bavaria", "80331", 48.1374, 11.5755)),
           (3320, "deutsche telekom ag", "deutsche telekom ag", "telekom.de")),
    "IN": ("India", (("Bengaluru", "Karnataka", "560001", 12.9762, 77.6033),
                     ("Hyderabad", "Telangana", "500001", 17.384, 78.4564)),
           (24560, "bharti airtel ltd.", "bharti airtel", "airtel.in")),
    "BR": ("Brazil", (("Sao Paulo", "Sao Paulo", "01000-000", -23.5475, -46.6361),),
           (28573, "claro nxt telecomunicacoes ltda", "claro", "claro.com.br")),
    "CA": ("Canada", (("Toronto", "Ontario", "M5H", 43.6532, -79.3832),),
           (812, "rogers communications canada inc.", "rogers", "rogers.com")),
    "FR": ("France", (("Paris", "Ile-de-France", "75001", 48.8602, 2.341),),
           (3215, "orange s.a.", "orange", "orange.fr")),
    "JP": ("Japan", (("Tokyo", "Tokyo", "100-0001", 35.6895, 139.6917),),
           (4713, "ntt communications corporation", "ntt", "ocn.ne.jp")),
    "RU": ("Russia", (("Moscow", "Moscow", "101000", 55.7522, 37.6156),),
           (12389, "pjsc rostelecom", "rostelecom", "rt.ru")),
    "CN": ("China", (("Beijing", "Beijing", "100000", 39.9075, 116.3972),),
           (4134, "chinanet", "china telecom", "chinatelecom.cn")),
    "KP": ("North Korea", (("Pyongyang", "Pyongyang", None, 39.0339, 125.7543),),
           (131279, "star joint venture co. ltd.", "star jv", None)),
    "NG": ("Nigeria", (("Lagos", "Lagos", "100001", 6.4541, 3.3947),),
           (29465, "mtn nigeria", "mtn nigeria", "mtnnigeria.net")),
    "VN": ("Vietnam", (("Hanoi", "Hanoi", "100000", 21.0245, 105.8412),),
           (7552, "viettel group", "viettel", "viettel.vn")),
}

# Browsers: (raw user agent, Okta os, Okta browser, Entra operatingSystem, Entra browser).
BROWSERS = (
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 "
     "Safari/537.36", "Windows 10", "CHROME", "Windows10", "Chrome 121.0.0"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 "
     "Safari/537.36 Edg/121.0.2277.83", "Windows 10", "EDGE_CHROMIUM", "Windows10", "Edge 121.0.2277"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:122.0) Gecko/20100101 Firefox/122.0",
     "Windows 10", "FIREFOX", "Windows10", "Firefox 122.0"),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 "
     "Safari/605.1.15", "Mac OS X", "SAFARI", "MacOs", "Safari 17.2"),
)
SCRIPTED_CLIENT = ("python-requests/2.31.0", "Unknown", "UNKNOWN", "", "")

WINDOWS_SERVERS = ("DC01", "DC02", "FS01", "APP01", "SQL01")
DOMAIN_CONTROLLERS = WINDOWS_SERVERS[:2]
MEMBER_SERVERS = WINDOWS_SERVERS[2:]
LINUX_SERVERS = ("bastion-01", "web-01", "web-02", "db-01")
PID_MAX = 4_194_304  # Linux pid_max on 64-bit hosts

EXPLORER = r"C:\Windows\explorer.exe"
CMD = r"C:\Windows\System32\cmd.exe"
POWERSHELL = r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe"
SERVICES = r"C:\Windows\System32\services.exe"
# Programs people run every day: path -> (parent process, command line).
COMMON_PROCESSES = {
    r"C:\Program Files\Google\Chrome\Application\chrome.exe":
        (EXPLORER, r'"C:\Program Files\Google\Chrome\Application\chrome.exe" --profile-directory=Default'),
    r"C:\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE":
        (EXPLORER, r'"C:\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE"'),
    r"C:\Program Files\Microsoft Office\root\Office16\EXCEL.EXE":
        (EXPLORER, r'"C:\Program Files\Microsoft Office\root\Office16\EXCEL.EXE" /dde'),
    r"C:\Users\Public\AppData\Local\Microsoft\Teams\current\Teams.exe":
        (EXPLORER, r'"C:\Users\Public\AppData\Local\Microsoft\Teams\current\Teams.exe" --system-initiated'),
    r"C:\Windows\System32\svchost.exe": (SERVICES, r"C:\Windows\system32\svchost.exe -k netsvcs -p -s Schedule"),
    EXPLORER: (r"C:\Windows\System32\userinit.exe", r"C:\Windows\Explorer.EXE"),
    CMD: (EXPLORER, r'"C:\Windows\System32\cmd.exe"'),
    POWERSHELL: (EXPLORER, r'"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe" -NoLogo'),
    r"C:\Windows\System32\notepad.exe":
        (EXPLORER, r'"C:\Windows\System32\notepad.exe" C:\Users\Public\Documents\notes.txt'),
    r"C:\Windows\System32\conhost.exe": (CMD, r"\??\C:\Windows\system32\conhost.exe 0xffffffff -ForceV1"),
}
COMMON_PROCESS_PATHS = tuple(COMMON_PROCESSES)
# What an intruder runs: path -> (parent process, command line).
RARE_PROCESSES = {
    r"C:\Users\Public\Downloads\mimikatz.exe": (CMD, 'mimikatz.exe "privilege::debug" "sekurlsa::logonpasswords" exit'),
    r"C:\Windows\Temp\procdump64.exe": (CMD, r"procdump64.exe -accepteula -ma lsass.exe C:\Windows\Temp\lsass.dmp"),
    r"C:\ProgramData\rclone.exe": (POWERSHELL, r"rclone.exe copy \\FS01\finance mega:backup --transfers 16"),
    r"C:\Windows\PSEXESVC.exe": (SERVICES, r"C:\Windows\PSEXESVC.exe"),
    r"C:\Users\Public\AdFind.exe": (CMD, 'AdFind.exe -f "(objectcategory=person)" -csv name samaccountname'),
}
NONEXISTENT_USERS = ("admin", "administrator", "test", "guest", "oracle", "support", "backup", "user1")
SCANNED_USERS = ("root",) * 4 + NONEXISTENT_USERS + ("ubuntu", "pi", "postgres", "webmaster", "ftpuser")
MAX_AUTH_TRIES = 6  # sshd's MaxAuthTries default

# Windows logon failure codes (Status, SubStatus).
BAD_PASSWORD = ("0xc000006d", "0xc000006a")
NO_SUCH_USER = ("0xc000006d", "0xc0000064")
LOCKED_OUT = ("0xc0000234", "0x0")
# The same failures as a domain controller reports them: NTLM (4776) and Kerberos (4768) result codes.
NTLM_STATUS = {BAD_PASSWORD: "0xc000006a", NO_SUCH_USER: "0xc0000064", LOCKED_OUT: "0xc0000234"}
KERBEROS_STATUS = {BAD_PASSWORD: "0x18", NO_SUCH_USER: "0x6", LOCKED_OUT: "0x12"}

AWS_ACCOUNT = "314159265358"
ORDINARY_ROLES = ("ReadOnlyAccess", "DataScienceRole", "DeveloperRole")
PRIVILEGED_ROLES = ("AdministratorAccess", "PlatformAdmin")  # a privileged role's name contains "Admin"
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

OKTA_APPS = ("Salesforce.com", "Slack", "Workday", "GitHub Enterprise Cloud", "Zoom", "AWS IAM Identity Center")
# eventType: (displayMessage, requestUri, legacyEventType).
OKTA_EVENT_TYPES = {
    "policy.evaluate_sign_on": ("Evaluation of sign-on policy", "/idp/idx/introspect", None),
    "user.authentication.verify": ("Verify user identity", "/idp/idx/challenge/answer", None),
    "user.authentication.auth_via_mfa": ("Authentication of user via MFA", "/idp/idx/challenge/answer",
                                         "core.user.factor.attempt_success"),
    "user.session.start": ("User login to Okta", "/idp/idx/identify", "core.user_auth.login_success"),
    "user.authentication.sso": ("User single sign on to app", "/app/sso/saml", "app.auth.sso"),
    "user.session.end": ("User logout from Okta", "/login/signout", "core.user_auth.logout_success"),
    "user.account.update_profile": ("Update user profile for Okta", "/api/v1/users",
                                    "core.user.config.profile_update.success"),
    "app.user_membership.add": ("Add user to application membership", "/api/v1/apps",
                                "app.generic.provision.assign_user_to_app"),
}
OKTA_FAILED_LEGACY_TYPES = {
    ("user.session.start", "INVALID_CREDENTIALS"): "core.user_auth.login_failed",
    ("user.session.start", "VERIFICATION_ERROR"): "core.user_auth.login_failed",
    ("user.session.start", "LOCKED_OUT"): "core.user_auth.account_locked",
    ("user.authentication.auth_via_mfa", "VERIFICATION_ERROR"): "core.user.factor.attempt_fail",
}

ENTRA_TENANT = "7c2a4e19-3b5d-4f8e-9a61-0d2c8b4f5e73"
ENTRA_RESOURCE = f"/tenants/{ENTRA_TENANT}/providers/Microsoft.aadiam"
# (appId, appDisplayName, resourceDisplayName, resourceId) of first-party apps people sign in to.
ENTRA_APPS = (
    ("4765445b-32c6-49b0-83e6-1d93765276ca", "OfficeHome", "Office 365 SharePoint Online",
     "00000003-0000-0ff1-ce00-000000000000"),
    ("1fec8e78-bce4-4aaf-ab1b-5451cc387264", "Microsoft Teams", "Microsoft Teams Services",
     "cc15fd57-2c6c-4117-a88c-83b1d56b4bbe"),
    ("d3590ed6-52b3-4102-aeff-aad2292ab01c", "Microsoft Office", "Office 365 Exchange Online",
     "00000002-0000-0ff1-ce00-000000000000"),
    ("c44b4083-3bb0-49c1-b47d-974e53cbdf3c", "Azure Portal", "Windows Azure Service Management API",
     "797f4846-ba00-4fd7-ba43-dac1f8f63013"),
)
# errorCode: (failureReason, additionalDetails). 0 is success; 50074/50076/50140/50158 interrupt a sign-in
# that usually goes on to succeed; the others are failures.
ENTRA_RESULTS = {
    50126: ("Error validating credentials due to invalid username or password.",
            "The user didn't enter the right credentials. It's expected to see some number of these errors in your "
            "logs due to users making mistakes."),
    50053: ("The account is locked, you've tried to sign in too many times with an incorrect user ID or password.",
            None),
    50034: ("The user account does not exist in the directory. To sign into this application, the account must be "
            "added to the directory.", None),
    50057: ("The user account is disabled. The account has been disabled by an administrator.", None),
    50074: ("Strong Authentication is required.", "MFA required in Azure AD"),
    50076: ("Due to a configuration change made by your administrator, or because you moved to a new location, you "
            "must use multi-factor authentication to access the resource.", "MFA required in Azure AD"),
    50140: ("This error occurred due to 'Keep me signed in' interrupt when the user was signing in.", None),
    50158: ("External security challenge was not satisfied.", None),
}
ENTRA_MFA_INTERRUPTS = (50074, 50076)

MONTH_ABBREVIATIONS = (None, "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
AWS_ID_CHARACTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


# One encoder for all lines (json.dumps with options builds a new one per call).
_compact_json = json.JSONEncoder(separators=(",", ":"), check_circular=False).encode
_spaced_json = json.JSONEncoder(separators=(", ", ": "), check_circular=False).encode


def _token(rng: random.Random, alphabet: str, length: int) -> str:
    return "".join(rng.choices(alphabet, k=length))


def _uuid(rng: random.Random) -> str:
    """A version-4 UUID drawn from the seeded generator (uuid4() would break determinism)."""
    digits = f"{rng.getrandbits(128):032x}"
    variant = "89ab"[int(digits[16], 16) & 3]
    return f"{digits[:8]}-{digits[8:12]}-4{digits[13:16]}-{variant}{digits[17:20]}-{digits[20:]}"


def _opaque(rng: random.Random, length: int) -> str:
    """An opaque URL-safe identifier, as Okta request ids and session ids look."""
    return base64.urlsafe_b64encode(rng.randbytes(length)).decode()[:length]


def _stable_id(prefix: str, name: str, length: int = 17, alphabet: str = AWS_ID_CHARACTERS) -> str:
    """An identifier that depends only on a name (roles and apps keep theirs across runs)."""
    return prefix + _token(random.Random(f"{prefix}:{name}"), alphabet, length)


ROLE_IDS = {role: _stable_id("AROA", role) for role in ORDINARY_ROLES + PRIVILEGED_ROLES
            + tuple(role for _, role in INSTANCE_ROLES)}
OKTA_APP_IDS = {app: _stable_id("0oa", app, 17, ALPHANUMERIC) for app in OKTA_APPS}


@dataclass(frozen=True)
class User:
    name: str
    sid: str
    country: str
    home_ip: str
    workstation: str
    workstation_ip: str
    is_admin: bool
    activity: float
    display_name: str = ""
    idps: tuple[str, ...] = ()  # "okta" and/or "entra"
    has_aws: bool = False
    okta_id: str = ""
    entra_id: str = ""
    aws_id: str = ""
    aws_key: str = ""
    browser: int = 0

    @property
    def upn(self) -> str:
        return f"{self.name}@{DNS_DOMAIN}"


@dataclass(order=True, slots=True)
class Event:
    """One security event (for sshd: one syslog line) before rendering into a vendor format."""

    at: datetime
    source: str = field(compare=False)
    kind: str = field(compare=False)
    attrs: dict = field(compare=False, default_factory=dict)


@dataclass(frozen=True)
class Incident:
    incident_id: str
    technique: str
    entity_type: str
    entity: str
    start_at: datetime
    end_at: datetime


@dataclass(frozen=True)
class SimulationConfig:
    days: int
    events_per_day: int
    seed: int
    end: datetime
    out: Path

    @property
    def start(self) -> datetime:
        return self.end - timedelta(days=self.days)


def default_end(now: datetime | None = None) -> datetime:
    """Midnight UTC today: the last complete day ends there."""
    now = now or datetime.now(timezone.utc)
    return now.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)


def _ip_in(rng: random.Random, prefixes: Iterable[str]) -> str:
    prefix = rng.choice(tuple(prefixes))
    return f"{prefix}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def _hostile_ip(rng: random.Random) -> tuple[str, str]:
    country = rng.choice(sorted(HOSTILE_NETWORKS))
    return _ip_in(rng, HOSTILE_NETWORKS[country]), country


@lru_cache(maxsize=16384)
def _geo(ip: str) -> tuple:
    """(country code, country name, city row, network row) of a public address, per the demo's GeoIP."""
    first, second, _, last = ip.split(".")
    code = NETWORK_COUNTRY.get(f"{first}.{second}", "US")
    name, cities, network = GEO[code]
    return code, name, cities[int(last) % len(cities)], network


def _ghost(name: str) -> User:
    """An account name that does not exist (anywhere)."""
    return User(name, "S-1-0-0", "US", "", "", "", False, 0.0)


def build_population(rng: random.Random, events_per_day: int) -> list[User]:
    """Everybody has a Windows account and Okta or Entra ID (a few both);
    admins also ssh into Linux servers; about a third use the AWS console."""
    n_users = max(20, events_per_day // 200)
    countries = list(HOME_COUNTRY_WEIGHTS)
    weights = list(HOME_COUNTRY_WEIGHTS.values())
    names: set[str] = set()
    users = []
    while len(users) < n_users:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        name = f"{first}.{last}"
        if name in names:
            name = f"{name}{len(users)}"
        names.add(name)
        country = rng.choices(countries, weights)[0]
        index = len(users)
        is_admin = rng.random() < 0.1
        idp_roll = rng.random()
        users.append(
            User(
                name=name,
                sid=f"{DOMAIN_SID}-{1100 + index}",
                country=country,
                home_ip=_ip_in(rng, COUNTRY_NETWORKS[country]),
                workstation=f"WS-{index:04d}",
                workstation_ip=f"10.{10 + index // 250}.{index % 250}.{rng.randint(10, 250)}",
                is_admin=is_admin,
                activity=rng.lognormvariate(0, 0.6),
                display_name=f"{first.title()} {last.title()}",
                idps=("okta",) if idp_roll < 0.45 else ("entra",) if idp_roll < 0.85 else ("okta", "entra"),
                has_aws=rng.random() < (0.7 if is_admin else 0.25),
                okta_id="00u" + _token(rng, ALPHANUMERIC, 17),
                entra_id=_uuid(rng),
                aws_id="AIDA" + _token(rng, AWS_ID_CHARACTERS, 17),
                aws_key="AKIA" + _token(rng, AWS_ID_CHARACTERS, 16),
                browser=rng.randrange(len(BROWSERS)),
            )
        )
    # every role exists, however small the population
    if not any(u.is_admin for u in users):
        users[0] = replace(users[0], is_admin=True)
    if not all(any(idp in u.idps for u in users) for idp in ("okta", "entra")):
        users[1] = replace(users[1], idps=("okta", "entra"))
    if not any(u.has_aws for u in users):
        users[2] = replace(users[2], has_aws=True)
    return users


class _Pool:
    """Users who can do something, picked in proportion to how active they are."""

    def __init__(self, users: list[User]) -> None:
        self.users = users
        self.cum_weights = []
        total = 0.0
        for user in users:
            total += user.activity
            self.cum_weights.append(total)

    def pick(self, rng: random.Random) -> User:
        return rng.choices(self.users, cum_weights=self.cum_weights)[0]


def _pools(users: list[User]) -> dict[str, _Pool]:
    groups = {
        "everyone": users,
        "admins": [u for u in users if u.is_admin],
        "okta": [u for u in users if "okta" in u.idps],
        "entra": [u for u in users if "entra" in u.idps],
        "aws": [u for u in users if u.has_aws],
    }
    return {name: _Pool(members or users[:1]) for name, members in groups.items()}


# ---------------------------------------------------------------- normal behaviour


def _working_time(rng: random.Random, day: datetime, user: User) -> datetime:
    """A moment in the user's working day (local 07-19, occasionally evening)."""
    local_hour = rng.gauss(12.5, 2.8) if rng.random() < 0.93 else rng.uniform(19, 23.5)
    local_hour = min(max(local_hour, 0.0), 23.99)
    utc = day + timedelta(hours=local_hour - UTC_OFFSET_HOURS[user.country])
    return utc + timedelta(seconds=rng.randint(0, 59))


def _egress_ip(rng: random.Random, user: User) -> str:
    """Where a user reaches cloud services from: the office's NAT, or home."""
    return user.home_ip if rng.random() < 0.3 else OFFICE_EGRESS[user.country]


def _subsecond(rng: random.Random, at: datetime) -> datetime:
    """Cloud services stamp events to the millisecond or better."""
    return at + timedelta(microseconds=rng.randint(0, 999_999))


# Shares of the day's activities (cumulative); sized so that about half the
# events are Windows and each other source has a tenth to a sixth.
ACTIVITY_MIX = (
    (0.03, "ssh_noise"),
    (0.063, "ssh_admin"),
    (0.26, "okta"),
    (0.577, "entra"),
    (0.658, "aws"),
    (1.0, "windows"),
)
ACTIVITY_POOLS = {"ssh_admin": "admins", "okta": "okta", "entra": "entra", "aws": "aws", "windows": "everyone"}


def normal_day(rng: random.Random, day: datetime, users: list[User], budget: int) -> list[Event]:
    """Ordinary activity for one day: Windows logons (with the odd typo),
    Kerberos and NTLM checks, logoffs, privileges for admins, processes; admin
    ssh sessions and the constant background of internet ssh scanners; Okta
    and Entra sign-ins; AWS console and CLI work, and instance roles."""
    pools = _pools(users)
    if day.weekday() >= 5:
        budget = budget * 3 // 10  # quiet weekends
    events = _instance_role_refreshes(rng, day, budget)
    while len(events) < budget:
        roll = rng.random()
        activity = next(name for share, name in ACTIVITY_MIX if roll < share)
        if activity == "ssh_noise":
            events.extend(_internet_ssh_noise(rng, day))
            continue
        user = pools[ACTIVITY_POOLS[activity]].pick(rng)
        at = _working_time(rng, day, user)
        if activity == "ssh_admin":
            events.extend(_ssh_admin_session(rng, at, user))
        elif activity == "okta":
            events.extend(_okta_activity(rng, at, user, pools))
        elif activity == "entra":
            events.extend(_entra_activity(rng, at, user))
        elif activity == "aws":
            events.extend(_aws_session(rng, at, user))
        else:
            events.extend(_windows_session(rng, at, user))
    return events


# -------------------------------------------------- Windows


def _win(at: datetime, kind: str, **attrs) -> Event:
    return Event(at, "windows", kind, attrs)


def _logon_id(rng: random.Random) -> str:
    return hex(rng.getrandbits(28) | 0x100000)


def _dc_check(at: datetime, rng: random.Random, user: User, client_ip: str, ntlm: bool,
              codes: tuple[str, str] | None = None) -> Event:
    """What the domain controller logs for a credential check: NTLM (4776) or a Kerberos TGT (4768)."""
    dc = rng.choice(DOMAIN_CONTROLLERS)
    if ntlm:
        status = NTLM_STATUS[codes] if codes else "0x0"
        return _win(at, "ntlm_validation", user=user, host=dc, workstation=user.workstation or "-", status=status)
    status = KERBEROS_STATUS[codes] if codes else "0x0"
    return _win(at, "kerberos_tgt", user=user, host=dc, ip=client_ip, status=status)


def _swap_two_letters(rng: random.Random, name: str) -> str:
    i = rng.randrange(len(name) - 1)
    return name[:i] + name[i + 1] + name[i] + name[i + 2:]


def _windows_session(rng: random.Random, at: datetime, user: User) -> list[Event]:
    roll = rng.random()
    if roll < 0.6:
        logon_type, host, ip = 2, user.workstation, "127.0.0.1"
    elif roll < 0.92:
        logon_type, host, ip = 3, rng.choice(WINDOWS_SERVERS), user.workstation_ip
    else:  # remote worker over the VPN-less RDP gateway, from home
        logon_type, host, ip = 10, rng.choice(MEMBER_SERVERS), user.home_ip
    ntlm = logon_type == 10 or rng.random() < 0.1
    package = "NTLM" if ntlm else "Kerberos" if logon_type == 3 else "Negotiate"
    client_ip = user.home_ip if logon_type == 10 else user.workstation_ip
    common = {"user": user, "host": host, "ip": ip, "logon_type": logon_type, "logon_id": _logon_id(rng)}
    events = []
    if rng.random() < 0.005:  # a mistyped user name: no such account
        nobody = _ghost(_swap_two_letters(rng, user.name))
        events.append(_dc_check(at, rng, nobody, client_ip, ntlm, NO_SUCH_USER))
        events.append(_win(at, "logon_failure", **{**common, "user": nobody}, codes=NO_SUCH_USER))
        at += timedelta(seconds=rng.randint(3, 20))
    typos = 0
    if rng.random() < 0.04:  # a typo first; now and then one too many and the account locks
        typos = 1 if rng.random() < 0.97 else 6
    for attempt in range(typos):
        codes = LOCKED_OUT if attempt == 5 else BAD_PASSWORD
        events.append(_dc_check(at, rng, user, client_ip, ntlm, codes))
        events.append(_win(at, "logon_failure", **common, codes=codes))
        at += timedelta(seconds=rng.randint(3, 40))
    if typos == 6:
        return events  # the help desk takes it from here
    if logon_type == 2 or ntlm:
        events.append(_dc_check(at, rng, user, client_ip, ntlm))
    if not ntlm:
        service = f"{host}$"
        events.append(_win(at, "kerberos_service_ticket", user=user, host=rng.choice(DOMAIN_CONTROLLERS),
                           ip=client_ip, service=service))
    events.append(_win(at, "logon_success", **common, package=package))
    if user.is_admin and logon_type != 2:
        events.append(_win(at, "special_privileges", **common))
    session_end = at + timedelta(minutes=rng.randint(5, 480))
    if logon_type == 2:
        for _ in range(rng.randint(0, 3)):
            events.extend(_process_run(rng, at, session_end, common, rng.choice(COMMON_PROCESS_PATHS),
                                       COMMON_PROCESSES))
        if rng.random() < 0.4:
            events.append(_win(session_end - timedelta(seconds=1), "user_logoff", **common))
    events.append(_win(session_end, "logoff", **common))
    return events


def _process_run(rng: random.Random, logon_at: datetime, session_end: datetime, common: dict, path: str,
                 catalogue: dict) -> list[Event]:
    """A process start (4688) and, before the session ends, its exit (4689)."""
    seconds = max(10, int((session_end - logon_at).total_seconds()) - 5)
    started = logon_at + timedelta(seconds=rng.randint(5, min(3600, seconds)))
    ended = started + (session_end - started) * rng.random()
    parent, command_line = catalogue[path]
    process = {"process": path, "parent": parent, "command_line": command_line,
               "pid": rng.randrange(400, 65000, 4), "parent_pid": rng.randrange(400, 65000, 4)}
    return [_win(started, "process_launch", **common, **process),
            _win(ended, "process_exit", **common, **process)]


# -------------------------------------------------- sshd


def sshd_attempts(event: Event) -> tuple[int, int]:
    """How many (failed, accepted) login attempts one generated sshd line stands for.

    - ``Failed <method> for [invalid user ]U from IP port P ssh2``: 1 failed.
    - ``message repeated N times: [ Failed ...]``: N failed (syslog's summary
      of N more identical Failed lines on the same connection).
    - ``Accepted <method> for U from IP port P ssh2``: 1 accepted.
    - ``Invalid user U from IP`` on a connection (host, pid) that never logs a
      Failed, repeated-Failed or Accepted line (the client left before trying
      a password): 1 failed. (Generally: a connection without any outcome
      line but with an ``Invalid user`` or pam_unix ``authentication
      failure`` line is 1 failed attempt, counted on the first such line;
      the generator writes only the ``Invalid user`` kind.)
    - every other line (input_userauth_request, pam_unix check pass, pam_unix
      authentication failure on a connection with an outcome line, "PAM n
      more authentication failures", "PAM service(sshd) ignoring max
      retries", "Disconnecting: Too many authentication failures",
      "Connection closed", "Received disconnect", "Did not receive
      identification string", "reverse mapping checking getaddrinfo",
      session opened/closed): 0.

    ``count_sshd_attempts`` applies the same rule to raw lines, where a line
    cut short can turn a connection into one without an outcome. A
    connection's attempt lines always land in the same file, and pids are
    unique per host within a run.
    """
    kind = event.kind
    if kind == "ssh_failed" or kind == "ssh_abandoned":
        return 1, 0
    if kind == "ssh_failed_repeated":
        return event.attrs["times"], 0
    if kind == "ssh_accepted":
        return 0, 1
    return 0, 0


SSHD_SYSLOG = re.compile(r"^[A-Z][a-z]{2} [ 0-9][0-9] [0-9:]{8} (\S+) sshd\[([0-9]+)\]: (.*)$")
SSHD_ATTEMPT_EVIDENCE = re.compile(r"^(?:Invalid user |pam_unix\(sshd:auth\): authentication failure;)")
SSHD_OUTCOME = re.compile(
    r"^(?:message repeated ([0-9]+) times: \[ )?(Failed|Accepted) \S+ for .* from \S+ port [0-9]+"
)


def count_sshd_attempts(lines: Iterable[str]) -> tuple[int, int]:
    """(failed, accepted) login attempts in raw sshd syslog lines, by the rule of ``sshd_attempts``."""
    failed = accepted = 0
    without_outcome: dict[tuple[str, str], bool] = {}  # connection -> it began an attempt and logged no outcome
    for line in lines:
        syslog = SSHD_SYSLOG.match(line)
        if not syslog:
            continue
        host, pid, message = syslog.groups()
        outcome = SSHD_OUTCOME.match(message)
        if outcome:
            times = int(outcome.group(1) or 1)
            if outcome.group(2) == "Failed":
                failed += times
            else:
                accepted += times
            without_outcome[host, pid] = False
        elif SSHD_ATTEMPT_EVIDENCE.match(message):
            without_outcome.setdefault((host, pid), True)
    return failed + sum(without_outcome.values()), accepted


def _sshd(at: datetime, host: str, connection: int, kind: str, message: str, attempt_line: bool = True,
          **extra) -> Event:
    """One sshd line. The lines of an authentication share a group so they land in the same file."""
    attrs = {"host": host, "connection": connection, "message": message, **extra}
    if attempt_line:
        attrs["group"] = connection
    return Event(at, "sshd", kind, attrs)


def _ssh_goodbye(rng: random.Random, ip: str) -> str:
    if rng.random() < 0.3:
        return f"Connection closed by {ip} [preauth]"
    return f"Received disconnect from {ip}: 11: Bye Bye [preauth]"


def _ptr_name(ip: str) -> str:
    domain = _geo(ip)[3][3] or "static.example.net"
    return f"{ip.replace('.', '-')}.{domain}"


def _ssh_password_guesses(rng: random.Random, at: datetime, host: str, ip: str, user: str, attempts: int,
                          known: bool, reverse_mapping: bool = False) -> list[Event]:
    """One connection on which a client tries `attempts` passwords for `user`
    (0: it names an invalid user and leaves), as sshd and PAM log it."""
    connection = rng.getrandbits(48)
    port = rng.randint(30000, 65000)
    lines: list[Event] = []
    t = at

    def say(kind: str, message: str, **extra) -> None:
        lines.append(_sshd(t, host, connection, kind, message, **extra))

    if reverse_mapping:
        say("ssh_info", f"reverse mapping checking getaddrinfo for {_ptr_name(ip)} [{ip}] failed - "
                        "POSSIBLE BREAK-IN ATTEMPT!")
    if not known:
        say("ssh_abandoned" if attempts == 0 else "ssh_info", f"Invalid user {user} from {ip}")
        say("ssh_info", f"input_userauth_request: invalid user {user} [preauth]")
        if attempts == 0:
            t += timedelta(seconds=rng.randint(0, 3))
            say("ssh_info", _ssh_goodbye(rng, ip))
            return lines
        say("ssh_info", "pam_unix(sshd:auth): check pass; user unknown")
        say("ssh_info", f"pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= "
                        f"rhost={ip} ")
        for attempt in range(attempts):
            if attempt:
                t += timedelta(seconds=rng.randint(1, 3))
                say("ssh_info", "pam_unix(sshd:auth): check pass; user unknown")
            t += timedelta(seconds=rng.randint(1, 3))
            say("ssh_failed", f"Failed password for invalid user {user} from {ip} port {port} ssh2")
    else:
        say("ssh_info", f"pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= "
                        f"rhost={ip}  user={user}")
        t += timedelta(seconds=rng.randint(1, 3))
        failed = f"Failed password for {user} from {ip} port {port} ssh2"
        say("ssh_failed", failed)
        if attempts == 2:  # syslog writes a single repeat as it is...
            t += timedelta(seconds=rng.randint(2, 3))
            say("ssh_failed", failed)
        elif attempts > 2:  # ...and summarises more
            t += timedelta(seconds=rng.randint(2 * (attempts - 1), 3 * (attempts - 1)))
            say("ssh_failed_repeated", f"message repeated {attempts - 1} times: [ {failed}]", times=attempts - 1)
    if attempts >= MAX_AUTH_TRIES:
        say("ssh_info", f"Disconnecting: Too many authentication failures for {user} [preauth]")
    else:
        t += timedelta(seconds=rng.randint(0, 1))
        say("ssh_info", _ssh_goodbye(rng, ip))
    if attempts > 1:
        more = attempts - 1
        say("ssh_info", f"PAM {more} more authentication failure{'s' if more > 1 else ''}; logname= uid=0 euid=0 "
                        f"tty=ssh ruser= rhost={ip}" + (f"  user={user}" if known else " "))
    if attempts > 3:
        say("ssh_info", f"PAM service(sshd) ignoring max retries; {attempts} > 3")
    return lines


def _ssh_login(rng: random.Random, at: datetime, host: str, ip: str, user: str, method: str,
               duration: timedelta, typo: bool = False) -> list[Event]:
    """A successful login (after a mistyped password, if `typo`), its session, and its end."""
    connection = rng.getrandbits(48)
    port = rng.randint(30000, 65000)
    lines = []
    if typo:
        lines.append(_sshd(at, host, connection, "ssh_info", f"pam_unix(sshd:auth): authentication failure; "
                           f"logname= uid=0 euid=0 tty=ssh ruser= rhost={ip}  user={user}"))
        at += timedelta(seconds=rng.randint(1, 3))
        lines.append(_sshd(at, host, connection, "ssh_failed",
                           f"Failed password for {user} from {ip} port {port} ssh2"))
        at += timedelta(seconds=rng.randint(2, 8))
        method = "password"
    key = f": RSA SHA256:{base64.b64encode(rng.randbytes(32)).decode()[:43]}" if method == "publickey" else ""
    lines.append(_sshd(at, host, connection, "ssh_accepted",
                       f"Accepted {method} for {user} from {ip} port {port} ssh2{key}"))
    lines.append(_sshd(at, host, connection, "ssh_info",
                       f"pam_unix(sshd:session): session opened for user {user} by (uid=0)"))
    lines.append(_sshd(at + duration, host, connection, "ssh_info",
                       f"pam_unix(sshd:session): session closed for user {user}", attempt_line=False))
    return lines


def _ssh_admin_session(rng: random.Random, at: datetime, user: User) -> list[Event]:
    method = "publickey" if rng.random() < 0.85 else "password"
    duration = timedelta(seconds=rng.randint(30, 4 * 3600))
    return _ssh_login(rng, at, rng.choice(LINUX_SERVERS), user.workstation_ip, user.name, method, duration,
                      typo=rng.random() < 0.05)


def _internet_ssh_noise(rng: random.Random, day: datetime) -> list[Event]:
    """Scanners: a few connections in a row from one address, each guessing
    some passwords for root or a made-up account, or just probing."""
    hostile = rng.random() < 0.5
    ip = _hostile_ip(rng)[0] if hostile else _ip_in(rng, COUNTRY_NETWORKS["US"])
    at = day + timedelta(seconds=rng.randint(0, 86399))
    host = "bastion-01"
    if rng.random() < 0.08:
        return [_sshd(at, host, rng.getrandbits(48), "ssh_info", f"Did not receive identification string from {ip}")]
    events: list[Event] = []
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        user = rng.choice(SCANNED_USERS)
        known = user == "root"
        roll = rng.random()
        if not known and roll < 0.15:
            attempts = 0
        elif roll < 0.7:
            attempts = 1
        elif known and roll < 0.85:
            attempts = MAX_AUTH_TRIES
        else:
            attempts = rng.randint(2, 5)
        connection = _ssh_password_guesses(rng, at, host, ip, user, attempts, known,
                                           reverse_mapping=hostile and rng.random() < 0.3)
        events.extend(connection)
        at = connection[-1].at + timedelta(seconds=rng.randint(0, 5))
    return events


# -------------------------------------------------- Okta


def _okta(at: datetime, event_type: str, user: User, ip: str, result: str, reason: str | None = None, *,
          session: str, agent: tuple = (), target: list | None = None) -> Event:
    attrs = {"type": event_type, "user": user, "ip": ip, "result": result, "reason": reason, "session": session,
             "agent": agent or BROWSERS[user.browser], "target": target}
    return Event(at, "okta", event_type, attrs)


def _okta_app_target(user: User, app: str) -> list[dict]:
    return [{"id": OKTA_APP_IDS[app], "type": "AppInstance", "alternateId": app, "displayName": app,
             "detailEntry": {"signOnModeType": "SAML_2_0"}},
            {"id": "0ua" + user.okta_id[3:], "type": "AppUser", "alternateId": user.upn,
             "displayName": user.display_name, "detailEntry": None}]


def _okta_sign_in(rng: random.Random, at: datetime, user: User, ip: str, agent: tuple = (),
                  typo_chance: float = 0.05, challenge_chance: float = 0.8) -> list[Event]:
    """The sign-on policy asks for MFA (usually), the user answers, the session starts, apps follow."""
    session = "102" + _opaque(rng, 22)
    t = _subsecond(rng, at)
    events = []
    if rng.random() < typo_chance:
        events.append(_okta(t, "user.session.start", user, ip, "FAILURE", "INVALID_CREDENTIALS", session=session,
                            agent=agent))
        t += timedelta(seconds=rng.uniform(5, 30))
    challenge = rng.random() < challenge_chance
    events.append(_okta(t, "policy.evaluate_sign_on", user, ip, "CHALLENGE" if challenge else "ALLOW",
                        f"Sign-on policy evaluation resulted in {'CHALLENGE' if challenge else 'AUTHENTICATED'}",
                        session=session, agent=agent))
    t += timedelta(seconds=rng.uniform(1, 4))
    events.append(_okta(t, "user.authentication.verify", user, ip, "SUCCESS", session=session, agent=agent))
    if challenge:
        if rng.random() < 0.03:  # a wrong code first
            t += timedelta(seconds=rng.uniform(5, 20))
            events.append(_okta(t, "user.authentication.auth_via_mfa", user, ip, "FAILURE", "VERIFICATION_ERROR",
                                session=session, agent=agent))
        t += timedelta(seconds=rng.uniform(3, 20))
        events.append(_okta(t, "user.authentication.auth_via_mfa", user, ip, "SUCCESS", session=session, agent=agent))
    events.append(_okta(t, "user.session.start", user, ip, "SUCCESS", session=session, agent=agent))
    for app in rng.sample(OKTA_APPS, rng.randint(1, 2)):
        t += timedelta(seconds=rng.uniform(1, 90))
        events.append(_okta(t, "user.authentication.sso", user, ip, "SUCCESS", session=session, agent=agent,
                            target=_okta_app_target(user, app)))
    return events


def _okta_activity(rng: random.Random, at: datetime, user: User, pools: dict[str, _Pool]) -> list[Event]:
    """A new sign-in now and then; mostly single sign-on to apps within a session."""
    ip = _egress_ip(rng, user)
    roll = rng.random()
    if roll < 0.3:
        events = _okta_sign_in(rng, at, user, ip)
        if rng.random() < 0.1:
            end = events[-1].at + timedelta(minutes=rng.randint(10, 300))
            events.append(_okta(end, "user.session.end", user, ip, "SUCCESS", session=events[-1].attrs["session"]))
        return events
    if roll < 0.303:  # somebody forgot the new password
        session = "102" + _opaque(rng, 22)
        t = _subsecond(rng, at)
        events = []
        for _ in range(3):
            events.append(_okta(t, "user.session.start", user, ip, "FAILURE", "INVALID_CREDENTIALS", session=session))
            t += timedelta(seconds=rng.uniform(5, 40))
        events.append(_okta(t, "user.session.start", user, ip, "FAILURE", "LOCKED_OUT", session=session))
        return events
    if roll < 0.31:
        target = [{"id": user.okta_id, "type": "User", "alternateId": user.upn, "displayName": user.display_name,
                   "detailEntry": None}]
        return [_okta(_subsecond(rng, at), "user.account.update_profile", user, ip, "SUCCESS", session="unknown",
                      target=target)]
    if roll < 0.315:  # an admin gives the user a new app
        admin = pools["admins"].pick(rng)
        return [_okta(_subsecond(rng, at), "app.user_membership.add", admin, _egress_ip(rng, admin), "SUCCESS",
                      session="102" + _opaque(rng, 22), target=_okta_app_target(user, rng.choice(OKTA_APPS)))]
    session = "102" + _opaque(rng, 22)
    t = _subsecond(rng, at)
    events = []
    for app in rng.sample(OKTA_APPS, rng.randint(1, 3)):
        events.append(_okta(t, "user.authentication.sso", user, ip, "SUCCESS", session=session,
                            target=_okta_app_target(user, app)))
        t += timedelta(seconds=rng.uniform(30, 1800))
    return events


# -------------------------------------------------- Entra ID


def _entra(at: datetime, user: User, ip: str, code: int, *, interactive: bool, app: tuple, correlation: str,
           agent: tuple = (), mfa: bool = False) -> Event:
    attrs = {"user": user, "ip": ip, "code": code, "interactive": interactive, "app": app,
             "correlation": correlation, "agent": agent or BROWSERS[user.browser], "mfa": mfa}
    return Event(at, "entra", "signin", attrs)


def _entra_sign_in(rng: random.Random, at: datetime, user: User, ip: str, app: tuple | None = None,
                   agent: tuple = (), typo_chance: float = 0.05) -> list[Event]:
    """An interactive sign-in: often an interrupt (MFA, "stay signed in?") a
    few seconds before the successful record, now and then a typo first."""
    app = app or rng.choice(ENTRA_APPS)
    correlation = _uuid(rng)
    t = _subsecond(rng, at)
    events = []
    common = {"interactive": True, "app": app, "correlation": correlation, "agent": agent}
    if rng.random() < typo_chance:
        events.append(_entra(t, user, ip, 50126, **common))
        t += timedelta(seconds=rng.uniform(5, 30))
    mfa = False
    if rng.random() < 0.6:
        interrupt = rng.choices((50140, 50074, 50076, 50158), (40, 45, 10, 5))[0]
        mfa = interrupt in ENTRA_MFA_INTERRUPTS
        events.append(_entra(t, user, ip, interrupt, **common))
        t += timedelta(seconds=rng.uniform(2, 15))
    events.append(_entra(t, user, ip, 0, **common, mfa=mfa or rng.random() < 0.3))
    return events


def _entra_activity(rng: random.Random, at: datetime, user: User) -> list[Event]:
    """Interactive sign-ins now and then; mostly desktop apps refreshing tokens."""
    ip = _egress_ip(rng, user)
    roll = rng.random()
    if roll < 0.3:
        return _entra_sign_in(rng, at, user, ip)
    if roll < 0.303:  # the caps lock key, and smart lockout
        correlation, app = _uuid(rng), rng.choice(ENTRA_APPS)
        t = _subsecond(rng, at)
        events = []
        for code in (50126, 50126, 50126, 50053):
            events.append(_entra(t, user, ip, code, interactive=True, app=app, correlation=correlation))
            t += timedelta(seconds=rng.uniform(5, 40))
        return events
    if roll < 0.305:  # a leaver's old laptop still trying
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        leaver = replace(_ghost(f"{first}.{last}.old"), display_name=f"{first.title()} {last.title()}",
                         entra_id=_uuid(rng))
        return [_entra(_subsecond(rng, at), leaver, ip, 50057, interactive=False, app=ENTRA_APPS[2],
                       correlation=_uuid(rng))]
    t = _subsecond(rng, at)
    events = []
    for _ in range(rng.randint(1, 3)):
        events.append(_entra(t, user, ip, 0, interactive=False, app=rng.choice(ENTRA_APPS[:3]),
                             correlation=_uuid(rng)))
        t += timedelta(seconds=rng.uniform(60, 3600))
    return events


# -------------------------------------------------- AWS CloudTrail


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
                                  region=region))
    return events


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


# ---------------------------------------------------------------- attacks


def _admins(users: list[User]) -> list[User]:
    return [u for u in users if u.is_admin] or users[:1]


def _with(users: list[User], idp: str) -> list[User]:
    return [u for u in users if idp in u.idps] or users[:1]


def _brute_force(rng: random.Random, at: datetime, users: list[User], incident_id: str, variant: str):
    ip, _ = _hostile_ip(rng)
    attempts = rng.randint(40, 200)
    over = timedelta(minutes=rng.randint(10, 60))
    end = at + over
    guessed = rng.random() < 0.3  # the guess finally lands
    events: list[Event] = []
    if variant == "sshd":
        victim = rng.choice(_admins(users))
        done = 0
        while done < attempts:
            tries = min(MAX_AUTH_TRIES, attempts - done)
            started = at + over * (done / attempts)
            events.extend(_ssh_password_guesses(rng, started, "bastion-01", ip, victim.name, tries, known=True))
            done += tries
        if guessed:
            end += timedelta(seconds=30)
            events.extend(_ssh_login(rng, end, "bastion-01", ip, victim.name, "password",
                                     timedelta(minutes=rng.randint(2, 40))))
    else:
        victim = rng.choice(users)
        host = rng.choice(MEMBER_SERVERS)
        locks_after = rng.randint(10, 30) if rng.random() < 0.5 else attempts  # when lockout policy is set
        common = {"user": victim, "host": host, "ip": ip, "logon_type": 10, "logon_id": "0x0"}
        for i in range(attempts):
            t = at + over * (i / attempts) + timedelta(milliseconds=rng.randint(0, 900))
            codes = LOCKED_OUT if i >= locks_after else BAD_PASSWORD
            events.append(_dc_check(t, rng, victim, ip, ntlm=True, codes=codes))
            events.append(_win(t, "logon_failure", **common, codes=codes))
        if guessed and locks_after == attempts:
            end += timedelta(seconds=30)
            events.append(_dc_check(end, rng, victim, ip, ntlm=True))
            events.append(_win(end, "logon_success", **{**common, "logon_id": _logon_id(rng)}, package="NTLM"))
    return events, [Incident(incident_id, "brute_force", "user", victim.name, at, end)]


def _password_spray(rng: random.Random, at: datetime, users: list[User], incident_id: str, variant: str):
    """One address, one or two common passwords, many harvested account names:
    most are real, some are not (or not at this identity provider)."""
    ip, _ = _hostile_ip(rng)
    targets = rng.sample(users, min(len(users), rng.randint(20, 80)))
    targets += [_ghost(f"{rng.choice(FIRST_NAMES)}.{rng.choice(LAST_NAMES)}x") for _ in range(rng.randint(1, 5))]
    over = timedelta(minutes=rng.randint(20, 90))
    events = []
    correlation = _uuid(rng)
    for i, user in enumerate(targets):
        exists = user.sid != "S-1-0-0" and (variant == "windows" or variant in user.idps)
        if not exists:
            user = _ghost(user.name)
        for attempt in range(rng.randint(1, 2)):
            t = at + over * (i / len(targets)) + timedelta(seconds=rng.randint(0, 20), milliseconds=rng.randint(0, 999))
            if variant == "windows":
                codes = BAD_PASSWORD if exists else NO_SUCH_USER
                events.append(_dc_check(t, rng, user, ip, ntlm=True, codes=codes))
                events.append(_win(t, "logon_failure", user=user, host="DC01", ip=ip, logon_type=3, logon_id="0x0",
                                   codes=codes))
            elif variant == "entra":
                code = 50034 if not exists else 50053 if attempt and rng.random() < 0.2 else 50126
                events.append(_entra(t, user, ip, code, interactive=True, app=ENTRA_APPS[2],
                                     correlation=correlation, agent=SCRIPTED_CLIENT))
            else:
                reason = "INVALID_CREDENTIALS" if exists else "VERIFICATION_ERROR"
                events.append(_okta(t, "user.session.start", user, ip, "FAILURE", reason, session="unknown",
                                    agent=SCRIPTED_CLIENT))
    end = max(e.at for e in events)
    return events, [Incident(incident_id, "password_spray", "src_ip", ip, at, end)]


def _credential_stuffing(rng: random.Random, at: datetime, users: list[User], incident_id: str, variant: str):
    """Leaked username/password pairs tried from a botnet; some still work."""
    bots = [_hostile_ip(rng)[0] for _ in range(rng.randint(8, 25))]
    pool = users if variant == "windows" else _with(users, "okta")
    targets = rng.sample(pool, min(len(pool), rng.randint(10, 30)))
    over = timedelta(minutes=rng.randint(30, 120))
    events, incidents = [], []
    for i, user in enumerate(targets):
        t = at + over * (i / len(targets))
        ip = rng.choice(bots)
        leaked_password_works = rng.random() < 0.25
        if variant == "windows":
            common = {"user": user, "host": rng.choice(MEMBER_SERVERS), "ip": ip, "logon_type": 10,
                      "logon_id": _logon_id(rng)}
            kind = "logon_success" if leaked_password_works else "logon_failure"
            tried = [_win(t, kind, **common, codes=BAD_PASSWORD, package="NTLM")]
        elif leaked_password_works:  # and the account has no MFA
            tried = _okta_sign_in(rng, t, user, ip, agent=SCRIPTED_CLIENT, typo_chance=0, challenge_chance=0)
        else:
            tried = [_okta(_subsecond(rng, t), "user.session.start", user, ip, "FAILURE", "INVALID_CREDENTIALS",
                           session="unknown", agent=SCRIPTED_CLIENT)]
        events.extend(tried)
        end = max(t + timedelta(seconds=1), *(e.at for e in tried))
        incidents.append(Incident(incident_id, "credential_stuffing", "user", user.name, t, end))
    for _ in range(rng.randint(10, 40)):  # leaked usernames that no longer exist
        ghost = _ghost(rng.choice(NONEXISTENT_USERS) + str(rng.randint(1, 99)))
        t = at + timedelta(seconds=rng.randint(0, int(over.total_seconds())))
        if variant == "windows":
            events.append(_win(t, "logon_failure", user=ghost, host=rng.choice(MEMBER_SERVERS), ip=rng.choice(bots),
                               logon_type=10, logon_id="0x0", codes=NO_SUCH_USER))
        else:
            events.append(_okta(_subsecond(rng, t), "user.session.start", ghost, rng.choice(bots), "FAILURE",
                                "VERIFICATION_ERROR", session="unknown", agent=SCRIPTED_CLIENT))
    return events, incidents


def _impossible_travel(rng: random.Random, at: datetime, users: list[User], incident_id: str, variant: str):
    """A successful sign-in from home, then another from far away within the hour."""
    far_ip, _ = _hostile_ip(rng)
    later = at + timedelta(minutes=rng.randint(15, 55))
    if variant == "windows":
        user = rng.choice(users)
        host = rng.choice(MEMBER_SERVERS)
        events = [_win(at, "logon_success", user=user, host=host, ip=user.home_ip, logon_type=10,
                       logon_id=_logon_id(rng), package="NTLM"),
                  _win(later, "logon_success", user=user, host=host, ip=far_ip, logon_type=10,
                       logon_id=_logon_id(rng), package="NTLM")]
    elif variant == "okta":
        user = rng.choice(_with(users, "okta"))
        away = _okta_sign_in(rng, later, user, far_ip, agent=BROWSERS[(user.browser + 1) % len(BROWSERS)],
                             typo_chance=0)
        events = _okta_sign_in(rng, at, user, user.home_ip, typo_chance=0) + away
        later = next(e.at for e in away if e.kind == "user.session.start")
    else:
        user = rng.choice(_with(users, "entra"))
        away = _entra_sign_in(rng, later, user, far_ip, agent=BROWSERS[(user.browser + 1) % len(BROWSERS)],
                              typo_chance=0)
        events = _entra_sign_in(rng, at, user, user.home_ip, typo_chance=0) + away
        later = away[-1].at
    return events, [Incident(incident_id, "impossible_travel", "user", user.name, later, later)]


def _privilege_burst(rng: random.Random, at: datetime, users: list[User], incident_id: str, variant: str):
    over = timedelta(minutes=rng.randint(10, 40))
    count = rng.randint(30, 100)
    events = []
    if variant == "cloudtrail":
        user = rng.choice([u for u in users if u.has_aws] or users)
        ip = user.home_ip
        identity = _iam_user(user, user.aws_key)
        for i in range(count // 3):
            t = at + over * (i / (count // 3))
            role = rng.choice(PRIVILEGED_ROLES)
            event, assumed = _assume_role(rng, t, identity, role, f"{user.name}-{rng.randint(1000, 9999)}", ip,
                                          _cli_agent("sts", "AssumeRole"), allowed=rng.random() < 0.8)
            events.append(event)
            if assumed:
                events.extend(_api_calls(rng, t, assumed, ip, False, AWS_ADMIN_CALLS, rng.randint(0, 2)))
    else:
        user = rng.choice(users)
        for i in range(count):
            t = at + over * (i / count)
            attrs = {"user": user, "host": rng.choice(WINDOWS_SERVERS), "ip": user.workstation_ip, "logon_type": 3,
                     "logon_id": _logon_id(rng)}
            events.append(_win(t, "logon_success", **attrs))
            events.append(_win(t, "special_privileges", **attrs))
    return events, [Incident(incident_id, "privilege_burst", "user", user.name, at, at + over)]


def _rare_process(rng: random.Random, at: datetime, users: list[User], incident_id: str, variant: str):
    user = rng.choice(users)
    process = rng.choice(tuple(RARE_PROCESSES))
    common = {"user": user, "host": user.workstation, "ip": "127.0.0.1", "logon_type": 2, "logon_id": _logon_id(rng)}
    events = [_win(at, "logon_success", **common, package="Negotiate")]
    launches = rng.randint(1, 5)
    end = at + timedelta(minutes=2 + launches)
    for i in range(launches):
        started = at + timedelta(minutes=2 + i)
        events.extend(_process_run(rng, started - timedelta(seconds=5), end, common, process, RARE_PROCESSES))
    return events, [Incident(incident_id, "rare_process", "user", user.name, at, end)]


ATTACKS: dict[str, Callable] = {
    "brute_force": _brute_force,
    "password_spray": _password_spray,
    "credential_stuffing": _credential_stuffing,
    "impossible_travel": _impossible_travel,
    "privilege_burst": _privilege_burst,
    "rare_process": _rare_process,
}
# The sources each technique shows up in; successive incidents of a technique take them in turn.
ATTACK_SOURCES: dict[str, tuple[str, ...]] = {
    "brute_force": ("windows", "sshd"),
    "password_spray": ("windows", "entra", "okta"),
    "credential_stuffing": ("windows", "okta"),
    "impossible_travel": ("windows", "okta", "entra"),
    "privilege_burst": ("windows", "cloudtrail"),
    "rare_process": ("windows",),
}


def plan_attacks(rng: random.Random, config: SimulationConfig, users: list[User]):
    """Every technique at least once, about one of each every two days,
    never in the first day (features need some history to stand out)."""
    events: list[Event] = []
    incidents: list[Incident] = []
    per_technique = max(1, config.days // 2)
    first = config.start + timedelta(days=1) if config.days > 1 else config.start
    span = (config.end - first).total_seconds() - 3 * 3600
    serial = 0
    for technique, attack in ATTACKS.items():
        variants = ATTACK_SOURCES[technique]
        for index in range(per_technique):
            serial += 1
            at = first + timedelta(seconds=rng.uniform(0, max(span, 60)))
            variant = variants[index % len(variants)]
            attack_events, attack_incidents = attack(rng, at, users, f"INC-{serial:04d}", variant)
            events.extend(attack_events)
            incidents.extend(attack_incidents)
    return events, incidents


# ---------------------------------------------------------------- rendering

# kind: (EventID, Category, Task, Version, Message)
WINDOWS_EVENTS = {
    "logon_success": (4624, "Logon", 12544, 2, "An account was successfully logged on."),
    "logon_failure": (4625, "Logon", 12544, 0, "An account failed to log on."),
    "logoff": (4634, "Logoff", 12545, 0, "An account was logged off."),
    "user_logoff": (4647, "Logoff", 12545, 0, "User initiated logoff:"),
    "special_privileges": (4672, "Special Logon", 12548, 0, "Special privileges assigned to new logon."),
    "process_launch": (4688, "Process Creation", 13312, 2, "A new process has been created."),
    "process_exit": (4689, "Process Termination", 13313, 0, "A process has exited."),
    "ntlm_validation": (4776, "Credential Validation", 14336, 0,
                        "The computer attempted to validate the credentials for an account."),
    "kerberos_tgt": (4768, "Kerberos Authentication Service", 14339, 0,
                     "A Kerberos authentication ticket (TGT) was requested."),
    "kerberos_service_ticket": (4769, "Kerberos Service Ticket Operations", 14337, 0,
                                "A Kerberos service ticket was requested."),
}
ADMIN_PRIVILEGES = "SeSecurityPrivilege\r\n\t\t\tSeBackupPrivilege\r\n\t\t\tSeDebugPrivilege"


def _computer_sid(account: str) -> str:
    """The SID of a computer account ("FS01$", "WS-0042$"): servers first, workstations after."""
    name = account.rstrip("$")
    rid = 1000 + WINDOWS_SERVERS.index(name) if name in WINDOWS_SERVERS else 3000 + int(name.rsplit("-", 1)[-1])
    return f"{DOMAIN_SID}-{rid}"


class WindowsRenderer:
    """NXLog JSON lines (im_msvistalog), EventTime in the collector's zone (UTC here)."""

    def __init__(self) -> None:
        self.record_numbers: dict[str, int] = defaultdict(lambda: 100_000)

    def render(self, event: Event, rng: random.Random, defect: bool = False) -> str:
        attrs = event.attrs
        user: User = attrs["user"]
        host = f"{attrs['host']}.{DNS_DOMAIN}"
        self.record_numbers[host] += 1
        event_id, category, task, version, message = WINDOWS_EVENTS[event.kind]
        fields = self._event_data(event.kind, attrs, user, rng)
        failed = fields.pop("_failed", False)
        record = {
            "EventTime": event.at.isoformat(sep=" ", timespec="seconds"),
            "EventReceivedTime": (event.at + timedelta(seconds=1)).isoformat(sep=" ", timespec="seconds"),
            "SourceModuleName": "eventlog",
            "SourceModuleType": "im_msvistalog",
            "Hostname": host,
            "SourceName": "Microsoft-Windows-Security-Auditing",
            "ProviderGuid": "{54849625-5478-4994-A5BA-3E3B0328C30D}",
            "Channel": "Security",
            "RecordNumber": self.record_numbers[host],
            "ExecutionProcessID": 700,
            "ThreadID": rng.randint(100, 9999),
            "OpcodeValue": 0,
            "Opcode": "Info",
            "EventID": event_id,
            "Category": category,
            "Task": task,
            "EventType": "AUDIT_FAILURE" if failed else "AUDIT_SUCCESS",
            "Severity": "ERROR" if failed else "INFO",
            "SeverityValue": 4 if failed else 2,
            "Version": version,
            **fields,
            "Message": message,
        }
        return _compact_json(record)

    @staticmethod
    def _event_data(kind: str, attrs: dict, user: User, rng: random.Random) -> dict:
        subject = {"SubjectUserSid": user.sid, "SubjectUserName": user.name, "SubjectDomainName": DOMAIN,
                   "SubjectLogonId": attrs.get("logon_id", "0x0")}
        if kind in ("logon_success", "logon_failure"):
            ip = attrs["ip"]
            logon_type = str(attrs["logon_type"])
            fields = {
                "TargetUserSid": user.sid if kind == "logon_success" else "S-1-0-0",
                "TargetUserName": user.name,
                "TargetDomainName": DOMAIN,
                "LogonType": logon_type,
                "IpAddress": ip or "-",
                "IpPort": str(rng.randint(49152, 65535)) if ip not in ("", "127.0.0.1") else "0",
                "WorkstationName": user.workstation or "-",
            }
            if kind == "logon_success":
                package = attrs.get("package") or ("Kerberos" if logon_type == "3" else "Negotiate")
                fields.update(TargetLogonId=attrs["logon_id"],
                              LogonProcessName="User32" if logon_type == "2" else
                              "NtLmSsp " if package == "NTLM" else "Kerberos",
                              AuthenticationPackageName=package,
                              ElevatedToken="%%1842" if user.is_admin else "%%1843")
            else:
                status, sub_status = attrs["codes"]
                fields.update(Status=status, SubStatus=sub_status,
                              FailureReason="%%2307" if attrs["codes"] == LOCKED_OUT else "%%2313",
                              LogonProcessName="NtLmSsp ", AuthenticationPackageName="NTLM", _failed=True)
            return fields
        if kind in ("logoff", "user_logoff"):
            fields = {"TargetUserSid": user.sid, "TargetUserName": user.name, "TargetDomainName": DOMAIN,
                      "TargetLogonId": attrs["logon_id"]}
            if kind == "logoff":
                fields["LogonType"] = str(attrs["logon_type"])
            return fields
        if kind == "special_privileges":
            return {**subject, "PrivilegeList": ADMIN_PRIVILEGES}
        if kind == "process_launch":
            return {**subject, "NewProcessId": hex(attrs["pid"]), "NewProcessName": attrs["process"],
                    "TokenElevationType": "%%1938", "ProcessId": hex(attrs["parent_pid"]),
                    "CommandLine": attrs["command_line"], "TargetUserSid": "S-1-0-0", "TargetUserName": "-",
                    "TargetDomainName": "-", "TargetLogonId": "0x0", "ParentProcessName": attrs["parent"],
                    "MandatoryLabel": "S-1-16-8192"}
        if kind == "process_exit":
            return {**subject, "Status": "0x0", "ProcessId": hex(attrs["pid"]), "ProcessName": attrs["process"]}
        if kind == "ntlm_validation":
            status = attrs["status"]
            return {"PackageName": "MICROSOFT_AUTHENTICATION_PACKAGE_V1_0", "TargetUserName": user.name,
                    "Workstation": attrs["workstation"], "Status": status, "_failed": status != "0x0"}
        if kind == "kerberos_tgt":
            status = attrs["status"]
            return {"TargetUserName": user.name, "TargetDomainName": DOMAIN,
                    "TargetSid": user.sid if status != "0x6" else "S-1-0-0", "ServiceName": "krbtgt",
                    "ServiceSid": f"{DOMAIN_SID}-502", "TicketOptions": "0x40810010", "Status": status,
                    "TicketEncryptionType": "0x12" if status == "0x0" else "0xffffffff",
                    "PreAuthType": "2" if status == "0x0" else "-", "IpAddress": f"::ffff:{attrs['ip']}",
                    "IpPort": str(rng.randint(49152, 65535)), "CertIssuerName": "", "CertSerialNumber": "",
                    "CertThumbprint": "", "_failed": status != "0x0"}
        if kind == "kerberos_service_ticket":
            return {"TargetUserName": f"{user.name}@{KERBEROS_REALM}", "TargetDomainName": KERBEROS_REALM,
                    "ServiceName": attrs["service"], "ServiceSid": _computer_sid(attrs["service"]),
                    "TicketOptions": "0x40810000", "TicketEncryptionType": "0x12",
                    "IpAddress": f"::ffff:{attrs['ip']}", "IpPort": str(rng.randint(49152, 65535)), "Status": "0x0",
                    "LogonGuid": "{" + _uuid(rng) + "}", "TransmittedServices": "-"}
        raise ValueError(f"no Windows rendering for {kind}")


class SshdRenderer:
    """Syslog lines as sshd writes them to auth.log: no year, no zone (UTC here).

    Pids are handed out when a connection's first line is written, rising on
    each host as the kernel would, so they are unique within the run."""

    def __init__(self) -> None:
        self.last_pid: dict[str, int] = {}
        self.pids: dict[int, int] = {}  # connection -> pid, today's and (below) yesterday's
        self.previous_pids: dict[int, int] = {}

    def new_day(self) -> None:
        """Connections rarely outlive a day: forget older ones, to bound memory."""
        self.previous_pids, self.pids = self.pids, {}

    def render(self, event: Event, rng: random.Random, defect: bool = False) -> str:
        attrs = event.attrs
        host = attrs["host"]
        connection = attrs["connection"]
        pid = self.pids.get(connection) or self.previous_pids.get(connection)
        if pid is None:
            last = self.last_pid.get(host) or LINUX_SERVERS.index(host) * 400_000 + rng.randint(1000, 30000)
            pid = last + rng.randint(1, 6)
            if pid >= PID_MAX:
                pid = 300 + pid - PID_MAX
            self.last_pid[host] = pid
        self.pids[connection] = pid
        at = event.at
        return (f"{MONTH_ABBREVIATIONS[at.month]} {at.day:>2} {at.hour:02d}:{at.minute:02d}:{at.second:02d} "
                f"{host} sshd[{pid}]: {attrs['message']}")


class CloudTrailRenderer:
    """One CloudTrail record per line, as a trail's log files hold them (unwrapped from "Records")."""

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


class OktaRenderer:
    """Okta System Log LogEvent objects, one per line, as the /api/v1/logs API returns them."""

    def render(self, event: Event, rng: random.Random, defect: bool = False) -> str:
        attrs = event.attrs
        user: User = attrs["user"]
        event_type, result, reason, ip = attrs["type"], attrs["result"], attrs["reason"], attrs["ip"]
        _, country, (city, state, postal_code, lat, lon), (asn, as_org, isp, domain) = _geo(ip)
        place = {"city": city, "state": state, "country": country, "postalCode": postal_code,
                 "geolocation": {"lat": lat, "lon": lon}}
        display_message, request_uri, legacy_type = OKTA_EVENT_TYPES[event_type]
        if result == "FAILURE":
            legacy_type = OKTA_FAILED_LEGACY_TYPES.get((event_type, reason), legacy_type)
        if event_type == "user.authentication.sso":
            app = attrs["target"][0]
            request_uri = f"/app/{app['alternateId'].split()[0].lower()}/{app['id']}/sso/saml"
        credential = {
            "user.session.start": ("OKTA_AUTHENTICATION_PROVIDER", "OKTA_CREDENTIAL_PROVIDER", "PASSWORD"),
            "user.authentication.verify": ("OKTA_AUTHENTICATION_PROVIDER", "OKTA_CREDENTIAL_PROVIDER", "PASSWORD"),
            "user.authentication.auth_via_mfa": ("FACTOR_PROVIDER", "OKTA_CREDENTIAL_PROVIDER", "OTP"),
        }.get(event_type, (None, None, None))
        request_id = _opaque(rng, 27)
        agent = attrs["agent"]
        record = {
            "actor": {"id": user.okta_id or "unknown", "type": "User", "alternateId": user.upn,
                      "displayName": user.display_name or "unknown", "detailEntry": None},
            "client": {"userAgent": {"rawUserAgent": agent[0], "os": agent[1], "browser": agent[2]},
                       "zone": "null", "device": "Computer", "id": None, "ipAddress": ip,
                       "geographicalContext": place},
            "device": None,
            "authenticationContext": {"authenticationProvider": credential[0], "credentialProvider": credential[1],
                                      "credentialType": credential[2], "issuer": None, "interface": None,
                                      "authenticationStep": 0, "externalSessionId": attrs["session"]},
            "displayMessage": display_message,
            "eventType": event_type,
            "outcome": {"result": "MAYBE" if defect else result, "reason": reason},
            "published": event.at.isoformat(timespec="milliseconds") + "Z",
            "securityContext": {"asNumber": asn, "asOrg": as_org, "isp": isp, "domain": domain, "isProxy": False},
            "severity": "WARN" if result in ("FAILURE", "DENY") else "INFO",
            "debugContext": {"debugData": {"requestId": request_id, "requestUri": request_uri,
                                           "url": request_uri + "?"}},
            "legacyEventType": legacy_type,
            "transaction": {"type": "WEB", "id": request_id, "detail": {}},
            "uuid": _uuid(rng),
            "version": "0",
            "request": {"ipChain": [{"ip": ip, "geographicalContext": place, "version": "V4", "source": None}]},
            "target": attrs["target"],
        }
        return _compact_json(record)


class EntraRenderer:
    """Entra ID sign-in records as an Azure Monitor diagnostic setting exports them."""

    def render(self, event: Event, rng: random.Random, defect: bool = False) -> str:
        attrs = event.attrs
        user: User = attrs["user"]
        code, ip, interactive, mfa = attrs["code"], attrs["ip"], attrs["interactive"], attrs["mfa"]
        country, _, (city, state, _, lat, lon), (asn, *_) = _geo(ip)
        stamp = f"{event.at.isoformat(timespec='microseconds')}{rng.randint(0, 9)}"  # Azure writes 7 digits
        time_text, created = f"{stamp}Z", f"{stamp}+00:00"
        if defect:
            time_text = created = f"{event.at:%Y-%m-%d}T25:{event.at:%M:%S}.0000000Z"
        app_id, app_name, resource_name, resource_id = attrs["app"]
        agent = attrs["agent"]
        request_id = _uuid(rng)
        status: dict = {"errorCode": code}
        if code:
            status["failureReason"], details = ENTRA_RESULTS[code]
            if details:
                status["additionalDetails"] = details
        multifactor = mfa or code in ENTRA_MFA_INTERRUPTS
        properties = {
            "id": request_id,
            "createdDateTime": created,
            "userDisplayName": user.display_name,
            "userPrincipalName": user.upn,
            "userId": user.entra_id,
            "appId": app_id,
            "appDisplayName": app_name,
            "ipAddress": ip,
            "status": status,
            "clientAppUsed": "Browser" if interactive else "Mobile Apps and Desktop clients",
            "userAgent": agent[0],
            "deviceDetail": {"deviceId": "", "operatingSystem": agent[3], "browser": agent[4]},
            "location": {"city": city, "state": state, "countryOrRegion": country,
                         "geoCoordinates": {"latitude": lat, "longitude": lon}},
            "mfaDetail": {"authMethod": "Mobile app notification", "authDetail": None} if mfa and not code else {},
            "correlationId": attrs["correlation"],
            "conditionalAccessStatus": "success" if multifactor and not code else "notApplied",
            "appliedConditionalAccessPolicies": [],
            "originalRequestId": request_id,
            "isInteractive": interactive,
            "tokenIssuerName": "",
            "tokenIssuerType": "AzureAD",
            "processingTimeInMilliseconds": rng.randint(40, 900),
            "riskDetail": "none",
            "riskLevelAggregated": "none",
            "riskLevelDuringSignIn": "none",
            "riskState": "none",
            "riskEventTypes": [],
            "riskEventTypes_v2": [],
            "resourceDisplayName": resource_name,
            "resourceId": resource_id,
            "resourceTenantId": ENTRA_TENANT,
            "homeTenantId": ENTRA_TENANT,
            "authenticationDetails": [{
                "authenticationStepDateTime": created,
                "authenticationMethod": "Password" if interactive else "Previously satisfied",
                "succeeded": code == 0,
                "authenticationStepResultDetail": "Correct password" if code == 0 else status["failureReason"],
                "authenticationStepRequirement": "Primary authentication",
                "StatusSequence": 0,
                "RequestSequence": 0,
            }],
            "authenticationRequirementPolicies": [],
            "authenticationRequirement": "multiFactorAuthentication" if multifactor else "singleFactorAuthentication",
            "servicePrincipalId": "",
            "userType": "Member",
            "flaggedForReview": False,
            "isTenantRestricted": False,
            "autonomousSystemNumber": asn,
            "crossTenantAccessType": "none",
            "uniqueTokenIdentifier": base64.urlsafe_b64encode(request_id.encode()[:24]).decode().rstrip("="),
            "incomingTokenType": "none",
            "authenticationProtocol": "none",
        }
        export = {
            "time": time_text,
            "resourceId": ENTRA_RESOURCE,
            "operationName": "Sign-in activity",
            "operationVersion": "1.0",
            "category": "SignInLogs" if interactive else "NonInteractiveUserSignInLogs",
            "tenantId": ENTRA_TENANT,
            "resultType": str(code),
            "resultSignature": "None",
            **({"resultDescription": status["failureReason"]} if code else {}),
            "durationMs": 0,
            "callerIpAddress": ip,
            "correlationId": attrs["correlation"],
            "identity": user.display_name,
            "Level": 4,
            "location": country,
        }
        # the export's own spacing: '{ "time": "...", ...' outside, compact inside properties
        return "{ " + _spaced_json(export)[1:-1] + ', "properties": ' + _compact_json(properties) + "}"


RENDERERS = {"windows": WindowsRenderer, "sshd": SshdRenderer, "cloudtrail": CloudTrailRenderer,
             "okta": OktaRenderer, "entra": EntraRenderer}


def _file_name(source: str, day: datetime) -> str:
    stem, suffix = FILE_NAMES[source]
    return f"{stem}_{day:%Y-%m-%d}.{suffix}"


def _malformed(line: str, rng: random.Random) -> str:
    """What shippers really produce now and then: a line cut short."""
    return line[: rng.randint(1, max(1, len(line) // 2))]


class _BadRecordSchedule:
    """Decides which records of each cloud source come out subtly wrong: about
    one in BAD_RECORD_INTERVAL, at positions drawn from the seed."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.seen = dict.fromkeys(BAD_RECORDS, 0)
        self.next_bad = {source: rng.randrange(BAD_RECORD_INTERVAL) for source in BAD_RECORDS}

    def due(self, source: str) -> bool:
        if source not in self.seen:
            return False
        self.seen[source] += 1
        if self.seen[source] < self.next_bad[source]:
            return False
        self.next_bad[source] += self.rng.randint(BAD_RECORD_INTERVAL // 2, BAD_RECORD_INTERVAL * 3 // 2)
        return True


def simulate(config: SimulationConfig) -> dict[str, int]:
    """Write the landing zone; return the number of lines written per source."""
    master = random.Random(config.seed)
    users = build_population(master, config.events_per_day)
    attack_events, incidents = plan_attacks(master, config, users)
    attacks_by_day: dict[int, list[Event]] = defaultdict(list)
    for event in attack_events:
        attacks_by_day[(event.at - config.start).days].append(event)

    renderers = {source: RENDERERS[source]() for source in SOURCES}
    bad_records = _BadRecordSchedule(random.Random(f"{config.seed}:bad"))
    for source in SOURCES:
        (config.out / source).mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = defaultdict(int)
    # Events land in the file of the day they happened (a late one: the next
    # day's). Generating day d can spill into d-1 and d+1 (time zones), so a
    # day's file is written once the following day has been generated. The
    # lines of one sshd authentication land together, and are dropped together
    # if they would reach past the end.
    pending: dict[int, list[Event]] = defaultdict(list)
    rng = master
    start, end = config.start, config.end
    for day_index in range(config.days + 1):
        if day_index < config.days:
            day = start + timedelta(days=day_index)
            rng = random.Random(f"{config.seed}:{day_index}")
            budget = max(0, config.events_per_day - len(attacks_by_day[day_index]))
            events = normal_day(rng, day, users, budget) + attacks_by_day[day_index]
            group_end: dict[int, datetime] = {}
            for event in events:
                group = event.attrs.get("group")
                if group is not None and event.at > group_end.get(group, event.at - timedelta(1)):
                    group_end[group] = event.at
            group_landing: dict[int, int] = {}
            for event in events:
                group = event.attrs.get("group")
                if (group_end[group] if group is not None else event.at) >= end:
                    continue  # nothing from the future
                landing_day = group_landing.get(group) if group is not None else None
                if landing_day is None:
                    landing_day = min(max((event.at - start).days, 0), config.days - 1)
                    if landing_day < config.days - 1 and rng.random() < LATE_EVENT_SHARE:
                        landing_day += 1
                    if group is not None:
                        group_landing[group] = landing_day
                pending[landing_day].append(event)
        if day_index >= 1:
            events = pending.pop(day_index - 1, [])
            events.sort(key=attrgetter("at"))
            _write_day(config, day_index - 1, events, renderers, rng, counts, bad_records)
    write_incidents(config.out / "incidents.csv", incidents)
    counts["incidents"] = len(incidents)
    return dict(counts)


def _write_day(config: SimulationConfig, day_index: int, events: list[Event], renderers: dict, rng: random.Random,
               counts: dict[str, int], bad_records: _BadRecordSchedule) -> None:
    day = config.start + timedelta(days=day_index)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    landed_at = min(day + timedelta(days=1) + LANDING_DELAY, now)
    stamp = landed_at.replace(tzinfo=timezone.utc).timestamp()
    by_source: dict[str, list[Event]] = defaultdict(list)
    for event in events:
        by_source[event.source].append(event)
    for source in SOURCES:
        render = renderers[source].render
        lines = []
        for event in by_source[source]:
            line = render(event, rng, bad_records.due(source))
            if rng.random() < MALFORMED_LINE_SHARE:
                line = _malformed(line, rng)
            lines.append(line + "\n")
        path = config.out / source / _file_name(source, day)
        with path.open("w", encoding="utf-8", newline="\n") as handle:
            handle.writelines(lines)
        counts[source] += len(lines)
        os.utime(path, (stamp, stamp))
    renderers["sshd"].new_day()


def write_incidents(path: Path, incidents: list[Incident]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(("incident_id", "technique", "entity_type", "entity", "start_at", "end_at"))
        for incident in sorted(incidents, key=lambda i: (i.start_at, i.incident_id, i.entity)):
            writer.writerow((incident.incident_id, incident.technique, incident.entity_type, incident.entity,
                             incident.start_at.isoformat(sep=" "), incident.end_at.isoformat(sep=" ")))
