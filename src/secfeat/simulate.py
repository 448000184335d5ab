"""Demo landing zone: realistic multi-vendor raw logs with injected attacks.

Writes one file per source per day in the vendors' native formats, plus
``incidents.csv`` with the ground truth of every injected attack. Output is
deterministic for a seed and an end time; memory is bounded by one day of
events, so millions of events stream to disk.

Each file's modification time is set to when it would have landed (shortly
after the end of its day): the warehouse treats that as the ingest time.
About one event in a hundred arrives a day late, in the next day's file.
"""

from __future__ import annotations

import csv
import json
import os
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterable

# Source folder names under the landing directory (the dbt sources read these).
SOURCES = ("windows", "sshd")

DOMAIN = "CORP"
DNS_DOMAIN = "corp.example"
LATE_EVENT_SHARE = 0.01
MALFORMED_LINE_SHARE = 0.0002
LANDING_DELAY = timedelta(minutes=10)

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

WINDOWS_SERVERS = ("DC01", "DC02", "FS01", "APP01", "SQL01")
LINUX_SERVERS = ("bastion-01", "web-01", "web-02", "db-01")
COMMON_PROCESSES = (
    r"C:\Program Files\Google\Chrome\Application\chrome.exe",
    r"C:\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE",
    r"C:\Program Files\Microsoft Office\root\Office16\EXCEL.EXE",
    r"C:\Users\Public\AppData\Local\Microsoft\Teams\current\Teams.exe",
    r"C:\Windows\System32\svchost.exe",
    r"C:\Windows\explorer.exe",
    r"C:\Windows\System32\cmd.exe",
    r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe",
    r"C:\Windows\System32\notepad.exe",
    r"C:\Windows\System32\conhost.exe",
)
RARE_PROCESSES = (
    r"C:\Users\Public\Downloads\mimikatz.exe",
    r"C:\Windows\Temp\procdump64.exe",
    r"C:\ProgramData\rclone.exe",
    r"C:\Windows\PSEXESVC.exe",
    r"C:\Users\Public\AdFind.exe",
)
NONEXISTENT_USERS = ("admin", "administrator", "test", "guest", "oracle", "support", "backup", "user1")

# Windows logon failure codes (Status, SubStatus).
BAD_PASSWORD = ("0xc000006d", "0xc000006a")
NO_SUCH_USER = ("0xc000006d", "0xc0000064")


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


@dataclass(order=True)
class Event:
    """One security event before rendering into a vendor format."""

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


def build_population(rng: random.Random, events_per_day: int) -> list[User]:
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
        users.append(
            User(
                name=name,
                sid=f"S-1-5-21-3623811015-3361044348-30300820-{1100 + index}",
                country=country,
                home_ip=_ip_in(rng, COUNTRY_NETWORKS[country]),
                workstation=f"WS-{index:04d}",
                workstation_ip=f"10.{10 + index // 250}.{index % 250}.{rng.randint(10, 250)}",
                is_admin=rng.random() < 0.1,
                activity=rng.lognormvariate(0, 0.6),
            )
        )
    return users


# ---------------------------------------------------------------- normal behaviour


def _working_time(rng: random.Random, day: datetime, user: User) -> datetime:
    """A moment in the user's working day (local 07-19, occasionally evening)."""
    local_hour = rng.gauss(12.5, 2.8) if rng.random() < 0.93 else rng.uniform(19, 23.5)
    local_hour = min(max(local_hour, 0.0), 23.99)
    utc = day + timedelta(hours=local_hour - UTC_OFFSET_HOURS[user.country])
    return utc + timedelta(seconds=rng.randint(0, 59))


def normal_day(rng: random.Random, day: datetime, users: list[User], budget: int) -> list[Event]:
    """Ordinary activity for one day: logons (with the odd typo), logoffs,
    privilege assignment for admins, process launches, admin ssh sessions and
    the constant background of internet ssh scanners."""
    events: list[Event] = []
    admins = [u for u in users if u.is_admin] or users[:1]
    weights = [u.activity for u in users]
    if day.weekday() >= 5:
        budget = budget * 3 // 10  # quiet weekends
    while len(events) < budget:
        roll = rng.random()
        if roll < 0.08:
            events.extend(_internet_ssh_noise(rng, day))
            continue
        if roll < 0.16:
            admin = rng.choice(admins)
            events.extend(_ssh_admin_session(rng, _working_time(rng, day, admin), admin))
            continue
        user = rng.choices(users, weights)[0]
        events.extend(_windows_session(rng, _working_time(rng, day, user), user))
    return events


def _windows_session(rng: random.Random, at: datetime, user: User) -> list[Event]:
    roll = rng.random()
    if roll < 0.6:
        logon_type, host, ip = 2, user.workstation, "127.0.0.1"
    elif roll < 0.92:
        logon_type, host, ip = 3, rng.choice(WINDOWS_SERVERS), user.workstation_ip
    else:  # remote worker over the VPN-less RDP gateway, from home
        logon_type, host, ip = 10, rng.choice(WINDOWS_SERVERS[2:]), user.home_ip
    common = {"user": user, "host": host, "ip": ip, "logon_type": logon_type}
    events = []
    if rng.random() < 0.04:  # a typo first
        events.append(Event(at, "windows", "logon_failure", {**common, "codes": BAD_PASSWORD}))
        at += timedelta(seconds=rng.randint(3, 40))
    events.append(Event(at, "windows", "logon_success", common))
    if user.is_admin and logon_type != 2:
        events.append(Event(at, "windows", "special_privileges", common))
    if logon_type == 2:
        for _ in range(rng.randint(0, 3)):
            process_at = at + timedelta(seconds=rng.randint(5, 3600))
            events.append(
                Event(process_at, "windows", "process_launch", {**common, "process": rng.choice(COMMON_PROCESSES)})
            )
    events.append(Event(at + timedelta(minutes=rng.randint(5, 480)), "windows", "logoff", common))
    return events


def _ssh_admin_session(rng: random.Random, at: datetime, user: User) -> list[Event]:
    attrs = {"user": user.name, "host": rng.choice(LINUX_SERVERS), "ip": user.workstation_ip, "pid": rng.randint(1000, 65000)}
    return [Event(at, "sshd", "ssh_accepted", {**attrs, "method": "publickey"})]


def _internet_ssh_noise(rng: random.Random, day: datetime) -> list[Event]:
    ip, _ = _hostile_ip(rng) if rng.random() < 0.5 else (_ip_in(rng, COUNTRY_NETWORKS["US"]), "US")
    at = day + timedelta(seconds=rng.randint(0, 86399))
    user = rng.choice(("root",) * 3 + NONEXISTENT_USERS)
    attrs = {"user": user, "host": "bastion-01", "ip": ip, "pid": rng.randint(1000, 65000), "method": "password"}
    return [Event(at, "sshd", "ssh_failed", attrs)]


# ---------------------------------------------------------------- attacks


def _brute_force(rng: random.Random, at: datetime, users: list[User], incident_id: str):
    victim = rng.choice(users)
    ip, _ = _hostile_ip(rng)
    attempts = rng.randint(40, 200)
    over = timedelta(minutes=rng.randint(10, 60))
    via_ssh = victim.is_admin and rng.random() < 0.5
    host = "bastion-01" if via_ssh else rng.choice(WINDOWS_SERVERS[2:])
    events = []
    pid = rng.randint(1000, 65000)
    for i in range(attempts):
        t = at + over * (i / attempts) + timedelta(milliseconds=rng.randint(0, 900))
        if via_ssh:
            attrs = {"user": victim.name, "host": host, "ip": ip, "pid": pid + i, "method": "password"}
            events.append(Event(t, "sshd", "ssh_failed", attrs))
        else:
            attrs = {"user": victim, "host": host, "ip": ip, "logon_type": 10, "codes": BAD_PASSWORD}
            events.append(Event(t, "windows", "logon_failure", attrs))
    end = at + over
    if rng.random() < 0.3:  # the guess finally lands
        end += timedelta(seconds=30)
        if via_ssh:
            attrs = {"user": victim.name, "host": host, "ip": ip, "pid": pid + attempts, "method": "password"}
            events.append(Event(end, "sshd", "ssh_accepted", attrs))
        else:
            events.append(Event(end, "windows", "logon_success", {"user": victim, "host": host, "ip": ip, "logon_type": 10}))
    return events, [Incident(incident_id, "brute_force", "user", victim.name, at, end)]


def _password_spray(rng: random.Random, at: datetime, users: list[User], incident_id: str):
    ip, _ = _hostile_ip(rng)
    targets = rng.sample(users, min(len(users), rng.randint(20, 80)))
    over = timedelta(minutes=rng.randint(20, 90))
    events = []
    for i, user in enumerate(targets):
        for _ in range(rng.randint(1, 2)):
            t = at + over * (i / len(targets)) + timedelta(seconds=rng.randint(0, 20))
            attrs = {"user": user, "host": "DC01", "ip": ip, "logon_type": 3, "codes": BAD_PASSWORD}
            events.append(Event(t, "windows", "logon_failure", attrs))
    end = max(e.at for e in events)
    return events, [Incident(incident_id, "password_spray", "src_ip", ip, at, end)]


def _credential_stuffing(rng: random.Random, at: datetime, users: list[User], incident_id: str):
    bots = [_hostile_ip(rng)[0] for _ in range(rng.randint(8, 25))]
    targets = rng.sample(users, min(len(users), rng.randint(10, 30)))
    over = timedelta(minutes=rng.randint(30, 120))
    events, incidents = [], []
    for i, user in enumerate(targets):
        t = at + over * (i / len(targets))
        ip = rng.choice(bots)
        common = {"user": user, "host": rng.choice(WINDOWS_SERVERS[2:]), "ip": ip, "logon_type": 10}
        leaked_password_works = rng.random() < 0.25
        kind = "logon_success" if leaked_password_works else "logon_failure"
        events.append(Event(t, "windows", kind, {**common, "codes": BAD_PASSWORD}))
        incidents.append(Incident(incident_id, "credential_stuffing", "user", user.name, t, t + timedelta(seconds=1)))
    for _ in range(rng.randint(10, 40)):  # leaked usernames that no longer exist
        name = rng.choice(NONEXISTENT_USERS) + str(rng.randint(1, 99))
        ghost = User(name, "S-1-0-0", "US", "", "", "", False, 0.0)
        t = at + timedelta(seconds=rng.randint(0, int(over.total_seconds())))
        attrs = {"user": ghost, "host": rng.choice(WINDOWS_SERVERS[2:]), "ip": rng.choice(bots), "logon_type": 10, "codes": NO_SUCH_USER}
        events.append(Event(t, "windows", "logon_failure", attrs))
    return events, incidents


def _impossible_travel(rng: random.Random, at: datetime, users: list[User], incident_id: str):
    user = rng.choice(users)
    far_ip, _ = _hostile_ip(rng)
    later = at + timedelta(minutes=rng.randint(20, 90))
    host = rng.choice(WINDOWS_SERVERS[2:])
    events = [
        Event(at, "windows", "logon_success", {"user": user, "host": host, "ip": user.home_ip, "logon_type": 10}),
        Event(later, "windows", "logon_success", {"user": user, "host": host, "ip": far_ip, "logon_type": 10}),
    ]
    return events, [Incident(incident_id, "impossible_travel", "user", user.name, later, later)]


def _privilege_burst(rng: random.Random, at: datetime, users: list[User], incident_id: str):
    user = rng.choice(users)
    over = timedelta(minutes=rng.randint(10, 40))
    count = rng.randint(30, 100)
    events = []
    for i in range(count):
        t = at + over * (i / count)
        attrs = {"user": user, "host": rng.choice(WINDOWS_SERVERS), "ip": user.workstation_ip, "logon_type": 3}
        events.append(Event(t, "windows", "logon_success", attrs))
        events.append(Event(t, "windows", "special_privileges", attrs))
    return events, [Incident(incident_id, "privilege_burst", "user", user.name, at, at + over)]


def _rare_process(rng: random.Random, at: datetime, users: list[User], incident_id: str):
    user = rng.choice(users)
    process = rng.choice(RARE_PROCESSES)
    common = {"user": user, "host": user.workstation, "ip": "127.0.0.1", "logon_type": 2}
    events = [Event(at, "windows", "logon_success", common)]
    launches = rng.randint(1, 5)
    for i in range(launches):
        events.append(Event(at + timedelta(minutes=2 + i), "windows", "process_launch", {**common, "process": process}))
    end = at + timedelta(minutes=2 + launches)
    return events, [Incident(incident_id, "rare_process", "user", user.name, at, end)]


ATTACKS: dict[str, Callable] = {
    "brute_force": _brute_force,
    "password_spray": _password_spray,
    "credential_stuffing": _credential_stuffing,
    "impossible_travel": _impossible_travel,
    "privilege_burst": _privilege_burst,
    "rare_process": _rare_process,
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
        for _ in range(per_technique):
            serial += 1
            at = first + timedelta(seconds=rng.uniform(0, max(span, 60)))
            attack_events, attack_incidents = attack(rng, at, users, f"INC-{serial:04d}")
            events.extend(attack_events)
            incidents.extend(attack_incidents)
    return events, incidents


# ---------------------------------------------------------------- rendering


class WindowsRenderer:
    """NXLog JSON lines (im_msvistalog), EventTime in the collector's zone (UTC here)."""

    def __init__(self) -> None:
        self.record_numbers: dict[str, int] = defaultdict(lambda: 100_000)

    def render(self, event: Event, rng: random.Random) -> str:
        attrs = event.attrs
        user: User = attrs["user"]
        host = f"{attrs['host']}.{DNS_DOMAIN}"
        self.record_numbers[host] += 1
        record = {
            "EventTime": event.at.strftime("%Y-%m-%d %H:%M:%S"),
            "EventReceivedTime": (event.at + timedelta(seconds=1)).strftime("%Y-%m-%d %H:%M:%S"),
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
        }
        logon = {
            "TargetUserSid": user.sid,
            "TargetUserName": user.name,
            "TargetDomainName": DOMAIN,
            "LogonType": str(attrs.get("logon_type", 3)),
            "IpAddress": attrs["ip"] if attrs["ip"] else "-",
            "IpPort": str(rng.randint(49152, 65535)) if attrs["ip"] not in ("", "127.0.0.1") else "0",
            "WorkstationName": user.workstation or "-",
        }
        kind = event.kind
        if kind == "logon_success":
            package = "Kerberos" if attrs.get("logon_type") == 3 else "Negotiate"
            record.update(EventID=4624, Category="Logon", Task=12544, EventType="AUDIT_SUCCESS", Severity="INFO",
                          SeverityValue=2, Version=2, **logon, TargetLogonId=hex(rng.getrandbits(28)),
                          LogonProcessName="User32" if logon["LogonType"] == "2" else "Kerberos",
                          AuthenticationPackageName=package, ElevatedToken="%%1842" if user.is_admin else "%%1843",
                          Message="An account was successfully logged on.")
        elif kind == "logon_failure":
            status, sub_status = attrs["codes"]
            record.update(EventID=4625, Category="Logon", Task=12544, EventType="AUDIT_FAILURE", Severity="ERROR",
                          SeverityValue=4, Version=0, **logon, Status=status, SubStatus=sub_status,
                          FailureReason="%%2313", LogonProcessName="NtLmSsp ",
                          AuthenticationPackageName="NTLM", Message="An account failed to log on.")
        elif kind == "logoff":
            record.update(EventID=4634, Category="Logoff", Task=12545, EventType="AUDIT_SUCCESS", Severity="INFO",
                          SeverityValue=2, Version=0, TargetUserSid=user.sid, TargetUserName=user.name,
                          TargetDomainName=DOMAIN, LogonType=logon["LogonType"], TargetLogonId=hex(rng.getrandbits(28)),
                          Message="An account was logged off.")
        elif kind == "special_privileges":
            record.update(EventID=4672, Category="Special Logon", Task=12548, EventType="AUDIT_SUCCESS",
                          Severity="INFO", SeverityValue=2, Version=0, SubjectUserSid=user.sid,
                          SubjectUserName=user.name, SubjectDomainName=DOMAIN, SubjectLogonId=hex(rng.getrandbits(28)),
                          PrivilegeList="SeSecurityPrivilege\r\n\t\t\tSeBackupPrivilege\r\n\t\t\tSeDebugPrivilege",
                          Message="Special privileges assigned to new logon.")
        elif kind == "process_launch":
            record.update(EventID=4688, Category="Process Creation", Task=13312, EventType="AUDIT_SUCCESS",
                          Severity="INFO", SeverityValue=2, Version=2, SubjectUserSid=user.sid,
                          SubjectUserName=user.name, SubjectDomainName=DOMAIN, SubjectLogonId=hex(rng.getrandbits(28)),
                          NewProcessId=hex(rng.randint(1000, 60000)), NewProcessName=attrs["process"],
                          ProcessId=hex(rng.randint(1000, 60000)), ParentProcessName=r"C:\Windows\explorer.exe",
                          CommandLine=attrs["process"].rsplit("\\", 1)[-1], TokenElevationType="%%1938",
                          Message="A new process has been created.")
        else:
            raise ValueError(f"no Windows rendering for {kind}")
        return json.dumps(record, separators=(",", ":"))


class SshdRenderer:
    """Syslog lines as sshd writes them to auth.log: no year, no zone (UTC here)."""

    def render(self, event: Event, rng: random.Random) -> str:
        a = event.attrs
        stamp = f"{event.at:%b} {event.at.day:>2} {event.at:%H:%M:%S}"
        head = f"{stamp} {a['host']} sshd[{a['pid']}]:"
        port = rng.randint(30000, 65000)
        if event.kind == "ssh_accepted":
            suffix = ": RSA SHA256:" + "".join(rng.choices("abcdefghijkLMNOPQRS0123456789", k=43)) if a["method"] == "publickey" else ""
            return "\n".join((
                f"{head} Accepted {a['method']} for {a['user']} from {a['ip']} port {port} ssh2{suffix}",
                f"{head} pam_unix(sshd:session): session opened for user {a['user']} by (uid=0)",
            ))
        if event.kind == "ssh_failed":
            known = a["user"] == "root" or "." in a["user"]
            lines = []
            if not known:
                lines += [f"{head} Invalid user {a['user']} from {a['ip']}",
                          f"{head} input_userauth_request: invalid user {a['user']} [preauth]"]
            lines.append(
                f"{head} pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= "
                f"rhost={a['ip']}" + (f"  user={a['user']}" if known else "")
            )
            invalid = "" if known else "invalid user "
            lines.append(f"{head} Failed password for {invalid}{a['user']} from {a['ip']} port {port} ssh2")
            return "\n".join(lines)
        raise ValueError(f"no sshd rendering for {event.kind}")


def _file_name(source: str, day: datetime) -> str:
    suffix = "jsonl" if source == "windows" else "log"
    stem = "security" if source == "windows" else "auth"
    return f"{stem}_{day:%Y-%m-%d}.{suffix}"


def _malformed(line: str, rng: random.Random) -> str:
    """What shippers really produce now and then: a line cut short."""
    return line[: rng.randint(1, max(1, len(line) // 2))]


def simulate(config: SimulationConfig) -> dict[str, int]:
    """Write the landing zone; return the number of events written per source."""
    master = random.Random(config.seed)
    users = build_population(master, config.events_per_day)
    attack_events, incidents = plan_attacks(master, config, users)
    attacks_by_day: dict[int, list[Event]] = defaultdict(list)
    for event in attack_events:
        attacks_by_day[(event.at - config.start).days].append(event)

    renderers = {"windows": WindowsRenderer(), "sshd": SshdRenderer()}
    for source in SOURCES:
        (config.out / source).mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = defaultdict(int)
    # Events land in the file of the day they happened (a late one: the next
    # day's). Generating day d can spill into d-1 and d+1 (time zones), so a
    # day's file is written once the following day has been generated.
    pending: dict[int, list[Event]] = defaultdict(list)
    rng = master
    for day_index in range(config.days + 1):
        if day_index < config.days:
            day = config.start + timedelta(days=day_index)
            rng = random.Random(f"{config.seed}:{day_index}")
            budget = max(0, config.events_per_day - len(attacks_by_day[day_index]))
            for event in normal_day(rng, day, users, budget) + attacks_by_day[day_index]:
                if event.at >= config.end:
                    continue  # nothing from the future
                landing_day = min(max((event.at - config.start).days, 0), config.days - 1)
                if landing_day < config.days - 1 and rng.random() < LATE_EVENT_SHARE:
                    landing_day += 1
                pending[landing_day].append(event)
        if day_index >= 1:
            _write_day(config, day_index - 1, sorted(pending.pop(day_index - 1, [])), renderers, rng, counts)
    write_incidents(config.out / "incidents.csv", incidents)
    counts["incidents"] = len(incidents)
    return dict(counts)


def _write_day(config: SimulationConfig, day_index: int, events: list[Event], renderers: dict, rng: random.Random,
               counts: dict[str, int]) -> None:
    day = config.start + timedelta(days=day_index)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    landed_at = min(day + timedelta(days=1) + LANDING_DELAY, now)
    for source in SOURCES:
        path = config.out / source / _file_name(source, day)
        with path.open("w", encoding="utf-8", newline="\n") as handle:
            for event in (e for e in events if e.source == source):
                line = renderers[source].render(event, rng)
                if rng.random() < MALFORMED_LINE_SHARE:
                    line = _malformed(line, rng)
                handle.write(line + "\n")
                counts[source] += 1
        stamp = landed_at.replace(tzinfo=timezone.utc).timestamp()
        os.utime(path, (stamp, stamp))


def write_incidents(path: Path, incidents: list[Incident]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(("incident_id", "technique", "entity_type", "entity", "start_at", "end_at"))
        for incident in sorted(incidents, key=lambda i: (i.start_at, i.incident_id, i.entity)):
            writer.writerow((incident.incident_id, incident.technique, incident.entity_type, incident.entity,
                             incident.start_at.isoformat(sep=" "), incident.end_at.isoformat(sep=" ")))
