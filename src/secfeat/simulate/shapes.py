r"""Orgs of other shapes: opt-in changes to an org's ordinary activity, each a way real
organisations differ from the demo's that the detections have to live with.

- ``shared_hosts``: two terminal servers (TS-01, TS-02) that about half the staff log on to
  every working day (RDP from their workstation) and run programs on. Some programs run
  nowhere else (two devices, dozens of users a day); apps people install for themselves run
  from a path of their own (C:\Users\<name>\AppData\Local\Programs\<app>\<app>.exe), on their
  workstation too.
- ``few_process_devices``: process auditing (4688, 4689) is on for the servers only: the
  workstations log no process, and people run their everyday programs over RDP on the three
  member servers (FS01, APP01, SQL01).
- ``nat_offices``: the three biggest offices (US, GB, DE) reach the cloud through one NAT
  address each (as the ordinary activity already does most of the time): nearly all their
  staff sign in there every working morning, and about half mistype their password first (a
  failed, then a successful sign-in at Okta or Entra ID from the NAT).
- ``exposed_sshd``: the bastion's sshd faces the internet: dozens of scanners a day guess names
  nobody here signs in with (root, admin, oracle, ...), a few to dozens of times each; some
  keep at one name for hours, 20 and more guesses an hour.
- ``service_accounts``: svc-deploy, svc-backup and svc-ci log on (network logons) to many
  servers around the clock, call AWS all day (assuming a deploy or backup role, never an
  admin one), svc-deploy also over ssh; now and then one retries an expired password at night.

A shape adds benign events (never in incidents.csv) and may keep some ordinary events from
being logged; the attacks stay as plan_attacks made them (few_process_devices moves an attack's
programs from the workstation to an audited server, so the attack is still seen).

Randomness: what a shape fixes for the whole simulation (who uses the terminal servers, ...)
comes from Random(f"{seed}:shape:{name}"), a day's events from Random(f"{seed}:shape:{name}:{day}"),
and a shape sees only the ordinary activity, never another shape's events: the ordinary
activity and the attacks are generated as without shapes, and one shape never moves another.
The lines' incidental details (ports, thread ids, which events arrive late) are drawn when
the files are rendered, from the source's stream, so those do change.
"""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from secfeat.simulate.activity.cloudtrail import SERVICE_ROLES, _api_calls, _assume_role, _cli_agent, _iam_user
from secfeat.simulate.activity.entra import _entra_sign_in
from secfeat.simulate.activity.okta import _okta_sign_in
from secfeat.simulate.activity.sshd import MAX_AUTH_TRIES, _ssh_login, _ssh_password_guesses
from secfeat.simulate.activity.windows import (
    COMMON_PROCESSES, DOMAIN_CONTROLLERS, EXPLORER, MEMBER_SERVERS, PASSWORD_EXPIRED, WINDOWS_SERVERS, _dc_check,
    _logon_id, _process_run, _win,
)
from secfeat.simulate.events import Event
from secfeat.simulate.formats import AWS_ID_CHARACTERS, _stable_id
from secfeat.simulate.population import (
    COUNTRY_NETWORKS, DOMAIN_SID, OFFICE_EGRESS, UTC_OFFSET_HOURS, User, _hostile_ip, _ip_in, _working_time,
)

PROCESS_KINDS = ("process_launch", "process_exit")


def _working_day(day: datetime) -> bool:
    return day.weekday() < 5


def _rdp_session(rng: random.Random, at: datetime, user: User, host: str, programs: list[str], catalogue: dict,
                 minutes: tuple[int, int]) -> list[Event]:
    """A Kerberos logon over RDP (type 10) from the user's workstation to a server, the programs
    run in it, and its end."""
    common = {"user": user, "host": host, "ip": user.workstation_ip, "logon_type": 10, "logon_id": _logon_id(rng)}
    end = at + timedelta(minutes=rng.randint(*minutes))
    events = [_win(at, "kerberos_service_ticket", user=user, host=rng.choice(DOMAIN_CONTROLLERS),
                   ip=user.workstation_ip, service=f"{host}$"),
              _win(at, "logon_success", **common, package="Kerberos")]
    if user.is_admin:
        events.append(_win(at, "special_privileges", **common))
    for path in programs:
        events.extend(_process_run(rng, at, end, common, path, catalogue))
    events.append(_win(end - timedelta(seconds=1), "user_logoff", **common))
    events.append(_win(end, "logoff", **common))
    return events


class Shape:
    """One way an org differs: what it fixes for the whole simulation is drawn in __init__."""

    name = ""

    def __init__(self, seed: int, users: list[User]) -> None:
        self.users = users

    def benign_events(self, rng: random.Random, day: datetime, ordinary: list[Event]) -> list[Event]:
        """The shape's own events of a day (`ordinary`: the day's ordinary activity, to read only)."""
        return []

    def logged(self, event: Event) -> bool:
        """Whether the org's logging keeps a benign event."""
        return True

    def attack_events(self, events: list[Event]) -> list[Event]:
        """A day's attack events as this org sees them."""
        return events


# ------------------------------------------------------------------ shared_hosts

TERMINAL_SERVERS = ("TS-01", "TS-02")
RDPCLIP = r"C:\Windows\System32\rdpclip.exe"
# Installed on the terminal servers only: dozens of users a day, two devices.
TERMINAL_SERVER_PROGRAMS = {
    RDPCLIP: (r"C:\Windows\System32\svchost.exe", "rdpclip"),
    r"C:\Program Files (x86)\SAP\FrontEnd\SAPgui\saplogon.exe":
        (EXPLORER, r'"C:\Program Files (x86)\SAP\FrontEnd\SAPgui\saplogon.exe"'),
    r"C:\Program Files\Sage\Sage 200\Sage200Desktop.exe":
        (EXPLORER, r'"C:\Program Files\Sage\Sage 200\Sage200Desktop.exe"'),
    r"C:\Program Files\Intuit\QuickBooks Enterprise Solutions 23.0\QBW.exe":
        (EXPLORER, r'"C:\Program Files\Intuit\QuickBooks Enterprise Solutions 23.0\QBW.exe"'),
}
TERMINAL_SERVER_APPS = tuple(path for path in TERMINAL_SERVER_PROGRAMS if path != RDPCLIP)
OFFICE_PROGRAMS = tuple(path for path in COMMON_PROCESSES if path.endswith(("chrome.exe", "OUTLOOK.EXE", "EXCEL.EXE")))
# Apps people install for themselves, each copy under its user's profile: (folder, executable).
PER_USER_APPS = (("Microsoft VS Code", "Code.exe"), ("Notion", "Notion.exe"), ("Postman", "Postman.exe"),
                 ("GitHub Desktop", "GitHubDesktop.exe"), ("Obsidian", "Obsidian.exe"))


def per_user_app_path(user: User, app: tuple[str, str]) -> str:
    folder, executable = app
    return rf"C:\Users\{user.name}\AppData\Local\Programs\{folder}\{executable}"


class SharedHosts(Shape):
    name = "shared_hosts"

    def __init__(self, seed: int, users: list[User]) -> None:
        super().__init__(seed, users)
        rng = random.Random(f"{seed}:shape:{self.name}")
        share = rng.uniform(0.45, 0.65)
        self.remote_users = [user for user in users if rng.random() < share]
        self.their_apps = {user.name: rng.sample(TERMINAL_SERVER_APPS, rng.randint(1, 2)) for user in self.remote_users}
        self.own_apps: dict[str, dict[str, tuple[str, str]]] = {}
        for user in users:
            if rng.random() < 0.4:
                paths = [per_user_app_path(user, app) for app in rng.sample(PER_USER_APPS, rng.randint(1, 2))]
                self.own_apps[user.name] = {path: (EXPLORER, f'"{path}"') for path in paths}

    def benign_events(self, rng: random.Random, day: datetime, ordinary: list[Event]) -> list[Event]:
        events = []
        for user in self.remote_users:
            if rng.random() >= (0.9 if _working_day(day) else 0.05):
                continue
            own = self.own_apps.get(user.name, {})
            catalogue = {**COMMON_PROCESSES, **TERMINAL_SERVER_PROGRAMS, **own}
            # the clipboard helper starts with every session, then the user's own work
            programs = [RDPCLIP, rng.choice(self.their_apps[user.name])]
            programs += rng.sample((*self.their_apps[user.name], *OFFICE_PROGRAMS, *own), rng.randint(0, 2))
            events.extend(_rdp_session(rng, _working_time(rng, day, user), user, rng.choice(TERMINAL_SERVERS), programs,
                                       catalogue, (60, 480)))
        return events + self._own_apps_on_workstations(rng, ordinary)

    def _own_apps_on_workstations(self, rng: random.Random, ordinary: list[Event]) -> list[Event]:
        """People start the apps they installed in the workstation sessions they had anyway."""
        session_ends = {event.attrs["logon_id"]: event.at for event in ordinary
                        if event.source == "windows" and event.kind == "logoff"}
        events = []
        for event in ordinary:
            attrs = event.attrs
            if not (event.source == "windows" and event.kind == "logon_success" and attrs["logon_type"] == 2):
                continue
            own = self.own_apps.get(attrs["user"].name)
            end = session_ends.get(attrs["logon_id"])
            if own and end and rng.random() < 0.5:
                common = {key: attrs[key] for key in ("user", "host", "ip", "logon_type", "logon_id")}
                events.extend(_process_run(rng, event.at, end, common, rng.choice(tuple(own)), own))
        return events


# ------------------------------------------------------------------ few_process_devices

AUDITED_SERVERS = MEMBER_SERVERS  # the only hosts that log processes
SERVER_TOOLS = {
    r"C:\Windows\System32\mmc.exe": (EXPLORER, r'"C:\Windows\system32\mmc.exe" "C:\Windows\system32\compmgmt.msc"'),
    r"C:\Windows\System32\Taskmgr.exe": (EXPLORER, r'"C:\Windows\system32\taskmgr.exe" /4'),
}
SERVER_SESSION_PROGRAMS = {**COMMON_PROCESSES, **SERVER_TOOLS}


class FewProcessDevices(Shape):
    name = "few_process_devices"

    def __init__(self, seed: int, users: list[User]) -> None:
        super().__init__(seed, users)
        rng = random.Random(f"{seed}:shape:{self.name}")
        self.workstations = {user.workstation for user in users}
        self.daily_share = rng.uniform(0.2, 0.35)
        self.their_server = {user.name: rng.choice(AUDITED_SERVERS) for user in users}

    def benign_events(self, rng: random.Random, day: datetime, ordinary: list[Event]) -> list[Event]:
        share = self.daily_share if _working_day(day) else self.daily_share / 10
        events = []
        for user in self.users:
            if rng.random() < share:
                programs = rng.sample(tuple(SERVER_SESSION_PROGRAMS), rng.randint(1, 4))
                events.extend(_rdp_session(rng, _working_time(rng, day, user), user, self.their_server[user.name],
                                           programs, SERVER_SESSION_PROGRAMS, (10, 240)))
        return events

    def _hidden(self, event: Event) -> bool:
        return event.source == "windows" and event.kind in PROCESS_KINDS and event.attrs["host"] in self.workstations

    def logged(self, event: Event) -> bool:
        return not self._hidden(event)

    def attack_events(self, events: list[Event]) -> list[Event]:
        """An attack's programs would go unlogged on a workstation: its session moves (from the
        workstation, over RDP) to an audited server."""
        sessions = {event.attrs["logon_id"] for event in events if self._hidden(event)}
        if not sessions:
            return events
        moved = []
        for event in events:
            attrs = event.attrs
            if event.source == "windows" and attrs.get("logon_id") in sessions and attrs["host"] in self.workstations:
                server = AUDITED_SERVERS[zlib.crc32(attrs["logon_id"].encode()) % len(AUDITED_SERVERS)]
                event = Event(event.at, event.source, event.kind,
                              {**attrs, "host": server, "logon_type": 10, "ip": attrs["user"].workstation_ip})
            moved.append(event)
        return moved


# ------------------------------------------------------------------ nat_offices

# The three biggest offices and their NAT addresses (the ordinary activity's office egress).
NAT_OFFICES = {country: OFFICE_EGRESS[country] for country in ("US", "GB", "DE")}


class NatOffices(Shape):
    name = "nat_offices"

    def __init__(self, seed: int, users: list[User]) -> None:
        super().__init__(seed, users)
        self.office_staff = [user for user in users if user.country in NAT_OFFICES and user.idps]

    def benign_events(self, rng: random.Random, day: datetime, ordinary: list[Event]) -> list[Event]:
        """The first sign-in of the morning, at the office, for everybody not away; half mistype."""
        in_the_office = 0.9 if _working_day(day) else 0.05
        events = []
        for user in self.office_staff:
            if rng.random() >= in_the_office:
                continue
            at = day + timedelta(hours=rng.uniform(7.5, 10) - UTC_OFFSET_HOURS[user.country])
            ip = NAT_OFFICES[user.country]
            if rng.choice(user.idps) == "okta":
                events.extend(_okta_sign_in(rng, at, user, ip, typo_chance=0.5))
            else:
                events.extend(_entra_sign_in(rng, at, user, ip, typo_chance=0.5))
        return events


# ------------------------------------------------------------------ exposed_sshd

EXPOSED_SSH_HOST = "bastion-01"
# What scanners guess: system accounts and defaults nobody here signs in with (root exists, the rest do not).
SCANNER_NAMES = ("root", "admin", "oracle", "test", "ubuntu", "postgres", "git", "user", "ftpuser", "pi", "guest",
                 "support", "deploy", "jenkins", "hadoop", "mysql", "nagios", "centos", "ec2-user", "tomcat", "dev",
                 "ansible", "elastic", "minecraft")


class ExposedSshd(Shape):
    name = "exposed_sshd"

    def benign_events(self, rng: random.Random, day: datetime, ordinary: list[Event]) -> list[Event]:
        events: list[Event] = []
        for _ in range(rng.randint(40, 80)):
            hostile = rng.random() < 0.6
            ip = _hostile_ip(rng)[0] if hostile else _ip_in(rng, COUNTRY_NETWORKS["US"])
            at = day + timedelta(seconds=rng.randint(0, 86399))
            roll = rng.random()
            if roll < 0.06:  # one name for 2 to 6 hours, at 20 to 36 guesses an hour
                names, per_hour = [rng.choice(SCANNER_NAMES)], rng.randint(20, 36)
                attempts = rng.randint(2, 6) * per_hour
            else:
                names = rng.sample(SCANNER_NAMES, rng.randint(1, 3))
                attempts = rng.randint(1, 6) if roll < 0.8 else rng.randint(12, 48)
                per_hour = 0
            events.extend(self._guesses(rng, at, ip, hostile, names, attempts, per_hour))
        return events

    @staticmethod
    def _guesses(rng: random.Random, at: datetime, ip: str, hostile: bool, names: list[str], attempts: int,
                 per_hour: int) -> list[Event]:
        """Connection after connection, each a few guesses; back to back, or paced to `per_hour`."""
        events: list[Event] = []
        while attempts > 0:
            name = rng.choice(names)
            tries = min(attempts, rng.randint(1, MAX_AUTH_TRIES))
            lines = _ssh_password_guesses(rng, at, EXPOSED_SSH_HOST, ip, name, tries, known=name == "root",
                                          reverse_mapping=hostile and rng.random() < 0.3)
            events.extend(lines)
            attempts -= tries
            pause = 3600 * tries / per_hour * rng.uniform(0.7, 0.95) if per_hour else rng.randint(1, 30)
            at = max(lines[-1].at, at + timedelta(seconds=pause))
        return events


# ------------------------------------------------------------------ service_accounts

# Where the service accounts' AWS calls come from (the data centre's NAT).
SERVICE_EGRESS = "64.12.200.15"
# Servers the service accounts log on to, beyond the demo's own.
SERVER_FARM = tuple(f"APP{n:02d}" for n in range(2, 10)) + ("WEB01", "WEB02", "WEB03")
LINUX_DEPLOY_TARGETS = ("web-01", "web-02")
DEPLOY_CALLS = (
    ("ecr", "GetAuthorizationToken", None, True),
    ("ecs", "DescribeServices", {"cluster": "prod", "services": ["web"]}, True),
    ("ecs", "UpdateService", {"cluster": "prod", "service": "web", "forceNewDeployment": True}, False),
    ("cloudformation", "DescribeStacks", {"stackName": "web-prod"}, True),
    ("lambda", "UpdateFunctionCode", {"functionName": "thumbnailer", "publish": True}, False),
    ("sts", "GetCallerIdentity", None, True),
)
BACKUP_CALLS = (
    ("ec2", "DescribeVolumes", {"volumeSet": {}, "filterSet": {}}, True),
    ("ec2", "CreateSnapshot", {"volumeId": "vol-0c1f2e3d4a5b6c7d8", "description": "nightly"}, False),
    ("ec2", "DescribeSnapshots", {"snapshotSet": {}, "ownersSet": {"items": [{"owner": "self"}]}}, True),
    ("ec2", "DeleteSnapshot", {"snapshotId": "snap-0a1b2c3d4e5f60718"}, False),
)
CI_CALLS = (
    ("ecr", "GetAuthorizationToken", None, True),
    ("ecr", "DescribeImages", {"repositoryName": "web"}, True),
    ("ecr", "PutImage", {"repositoryName": "web", "imageTag": "latest"}, False),
    ("sts", "GetCallerIdentity", None, True),
)


@dataclass(frozen=True)
class ServiceAccount:
    name: str
    runs_on: str  # the host its jobs run on: the logons' source
    ip: str
    is_admin: bool
    role: str
    calls: tuple
    targets: tuple[str, ...]
    logons_a_day: tuple[int, int]
    cloud_sessions_a_day: tuple[int, int]
    ssh_deploys_a_day: tuple[int, int] = (0, 0)


SERVICE_ACCOUNTS = (
    ServiceAccount("svc-deploy", "BUILD01", "10.0.5.20", True, SERVICE_ROLES[0], DEPLOY_CALLS,
                   MEMBER_SERVERS + SERVER_FARM, (40, 90), (15, 40), (5, 15)),
    ServiceAccount("svc-backup", "BKP01", "10.0.5.30", True, SERVICE_ROLES[1], BACKUP_CALLS,
                   WINDOWS_SERVERS + SERVER_FARM, (30, 60), (6, 12)),
    ServiceAccount("svc-ci", "CI01", "10.0.5.40", False, SERVICE_ROLES[0], CI_CALLS, SERVER_FARM, (80, 160), (30, 60)),
)


def _service_user(index: int, account: ServiceAccount) -> User:
    return User(name=account.name, sid=f"{DOMAIN_SID}-{50001 + index}", country="US", home_ip="",
                workstation=account.runs_on, workstation_ip=account.ip, is_admin=account.is_admin, activity=0.0,
                display_name=account.name, has_aws=True, aws_id=_stable_id("AIDA", account.name),
                aws_key=_stable_id("AKIA", account.name, 16, AWS_ID_CHARACTERS))


class ServiceAccounts(Shape):
    name = "service_accounts"

    def __init__(self, seed: int, users: list[User]) -> None:
        super().__init__(seed, users)
        self.accounts = [(account, _service_user(index, account)) for index, account in enumerate(SERVICE_ACCOUNTS)]

    def benign_events(self, rng: random.Random, day: datetime, ordinary: list[Event]) -> list[Event]:
        events: list[Event] = []
        for account, user in self.accounts:
            for _ in range(rng.randint(*account.logons_a_day)):  # around the clock
                at = day + timedelta(seconds=rng.randint(0, 86399))
                events.extend(self._network_logon(rng, at, user, rng.choice(account.targets)))
            for _ in range(rng.randint(*account.cloud_sessions_a_day)):
                events.extend(self._cloud_session(rng, day + timedelta(seconds=rng.randint(0, 86399)), account, user))
            for _ in range(rng.randint(*account.ssh_deploys_a_day)):
                events.extend(_ssh_login(rng, day + timedelta(seconds=rng.randint(0, 86399)),
                                         rng.choice(LINUX_DEPLOY_TARGETS), user.workstation_ip, user.name, "publickey",
                                         timedelta(seconds=rng.randint(5, 300))))
            if rng.random() < 0.15:
                events.extend(self._expired_password_retries(rng, day, account, user))
        return events

    @staticmethod
    def _network_logon(rng: random.Random, at: datetime, user: User, host: str) -> list[Event]:
        common = {"user": user, "host": host, "ip": user.workstation_ip, "logon_type": 3, "logon_id": _logon_id(rng)}
        ntlm = rng.random() < 0.15
        if ntlm:
            events = [_dc_check(at, rng, user, user.workstation_ip, ntlm=True)]
        else:
            events = [_win(at, "kerberos_service_ticket", user=user, host=rng.choice(DOMAIN_CONTROLLERS),
                           ip=user.workstation_ip, service=f"{host}$")]
        events.append(_win(at, "logon_success", **common, package="NTLM" if ntlm else "Kerberos"))
        if user.is_admin:
            events.append(_win(at, "special_privileges", **common))
        events.append(_win(at + timedelta(seconds=rng.randint(1, 600)), "logoff", **common))
        return events

    @staticmethod
    def _cloud_session(rng: random.Random, at: datetime, account: ServiceAccount, user: User) -> list[Event]:
        session = f"{account.name}-{rng.randint(100000, 999999)}"
        event, assumed = _assume_role(rng, at, _iam_user(user, user.aws_key), account.role, session, SERVICE_EGRESS,
                                      _cli_agent("sts", "AssumeRole"))
        return [event, *_api_calls(rng, at, assumed, SERVICE_EGRESS, False, account.calls, rng.randint(3, 12))]

    @staticmethod
    def _expired_password_retries(rng: random.Random, day: datetime, account: ServiceAccount,
                                  user: User) -> list[Event]:
        """The password expired; a nightly job retries a few times before somebody renews it."""
        at = day + timedelta(hours=rng.uniform(0, 5) - UTC_OFFSET_HOURS["US"])
        events = []
        for _ in range(rng.randint(3, 12)):
            host = rng.choice(account.targets)
            events.append(_dc_check(at, rng, user, user.workstation_ip, ntlm=True, codes=PASSWORD_EXPIRED))
            events.append(_win(at, "logon_failure", user=user, host=host, ip=user.workstation_ip, logon_type=3,
                               logon_id="0x0", codes=PASSWORD_EXPIRED))
            at += timedelta(minutes=rng.uniform(2, 15))
        return events


# ------------------------------------------------------------------ the registry

# In the order they apply (each sees only the ordinary activity, so the order changes no event).
SHAPES: dict[str, type[Shape]] = {shape.name: shape for shape in (
    SharedHosts, FewProcessDevices, NatOffices, ExposedSshd, ServiceAccounts)}


def check_shapes(names) -> tuple[str, ...]:
    """The shapes named, in registry order without repeats; ValueError naming the valid ones for another."""
    unknown = [name for name in names if name not in SHAPES]
    if unknown:
        raise ValueError(f"no such shape: {', '.join(unknown)} (shapes: {', '.join(SHAPES)})")
    return tuple(name for name in SHAPES if name in names)


class OrgShapes:
    """The shapes of one simulated org, applied day by day."""

    def __init__(self, names, seed: int, users: list[User]) -> None:
        self.seed = seed
        self.shapes = [SHAPES[name](seed, users) for name in check_shapes(names)]

    def day(self, day_index: int, day: datetime, ordinary: list[Event]) -> list[Event]:
        """The day's benign events: the ordinary activity and each shape's own, as the org logs them."""
        events = list(ordinary)
        for shape in self.shapes:
            events.extend(shape.benign_events(random.Random(f"{self.seed}:shape:{shape.name}:{day_index}"), day,
                                              ordinary))
        return [event for event in events if all(shape.logged(event) for shape in self.shapes)]

    def attacks(self, events: list[Event]) -> list[Event]:
        for shape in self.shapes:
            events = shape.attack_events(events)
        return events
