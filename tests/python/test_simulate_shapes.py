"""Orgs of other shapes (secfeat.simulate.shapes), read back from the raw files the generator wrote:
each shape does what it is about, none touches an org without shapes or the attacks' ground truth."""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from secfeat.simulate import (
    ATTACKS, LATER_ATTACKS, SHAPES, SimulationConfig, build_population, check_shapes, population_size, simulate,
)
from secfeat.simulate.activity.windows import RARE_PROCESSES
from secfeat.simulate.shapes import (
    AUDITED_SERVERS, NAT_OFFICES, PER_USER_APPS, SCANNER_NAMES, SERVICE_ACCOUNTS, TERMINAL_SERVERS,
)

TECHNIQUES = {**ATTACKS, **LATER_ATTACKS}
ALL_SHAPES = tuple(SHAPES)
# Three working days, Monday 2 to Wednesday 4 March 2026; 120 people (US, GB and DE offices of a size).
DAYS, EVENTS_PER_DAY, SEED, USERS, END = 3, 3000, 29, 120, "2026-03-05"
DAY_NAMES = ("2026-03-02", "2026-03-03", "2026-03-04")
# sha256 of the JSON of _digest() of everything simulate() wrote for days=3, events_per_day=1500,
# seed=1, end=2026-01-05, by the generator before shapes existed: with none, not a byte may change.
NO_SHAPE_DIGEST = "8a5de370f4b64b3f94d7a1f919b3a7d15ab187dbcc47a39a9c931902268db3bf"
SSHD_LINE = re.compile(r"^([A-Z][a-z]{2} [ 1-3][0-9] [0-9:]{8}) (\S+) sshd\[[0-9]+\]: (.*)$")
SSHD_FAILED = re.compile(r"(?:message repeated (\d+) times: \[ )?Failed password for (?:invalid user )?(\S+) "
                         r"from (\S+) port")
SSHD_INVALID = re.compile(r"^Invalid user (\S+) from (\S+)$")
SSHD_ACCEPTED = re.compile(r"^Accepted \S+ for (\S+) from (\S+) port")


def _simulate(out: Path, shapes=(), seed: int = SEED, users: int | None = USERS, days: int = DAYS,
              events_per_day: int = EVENTS_PER_DAY, end: str = END) -> Path:
    simulate(SimulationConfig(days=days, events_per_day=events_per_day, seed=seed, end=datetime.fromisoformat(end),
                              out=out, shapes=tuple(shapes), users=users))
    return out


def _digest(folder: Path) -> dict[str, str]:
    return {str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.is_file()}


@pytest.fixture(scope="module")
def landing_of(tmp_path_factory):
    """The landing zone of an org of these shapes (same seed and size), simulated once."""
    landings: dict[tuple, Path] = {}

    def of(*shapes: str) -> Path:
        if shapes not in landings:
            landings[shapes] = _simulate(tmp_path_factory.mktemp("+".join(shapes) or "no_shape"), shapes)
        return landings[shapes]

    return of


def _records(landing: Path, source: str) -> list[dict]:
    """A source's JSON records; a line cut short (one in 5,000) is skipped."""
    records = []
    for path in sorted((landing / source).iterdir()):
        for line in path.read_text().splitlines():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return records


def _windows(landing: Path, *event_ids: int) -> list[dict]:
    return [record for record in _records(landing, "windows") if record["EventID"] in event_ids]


def _sshd(landing: Path) -> list[tuple[datetime, str, str]]:
    """(time, host, message) of every sshd line."""
    lines = []
    for path in sorted((landing / "sshd").iterdir()):
        for line in path.read_text().splitlines():
            match = SSHD_LINE.match(line)
            if match:
                lines.append((datetime.strptime(f"2026 {match.group(1)}", "%Y %b %d %H:%M:%S"), match.group(2),
                              match.group(3)))
    return lines


def _day(stamp: str) -> str:
    return stamp[:10]


# ------------------------------------------------------------------ what shapes must not change


def test_without_shapes_not_a_byte_changes(tmp_path):
    _simulate(tmp_path / "default", users=None, days=3, events_per_day=1500, seed=1, end="2026-01-05")
    digest = hashlib.sha256(json.dumps(_digest(tmp_path / "default"), sort_keys=True).encode()).hexdigest()
    assert digest == NO_SHAPE_DIGEST
    # naming the default size is the same org
    _simulate(tmp_path / "sized", users=population_size(1500), days=3, events_per_day=1500, seed=1, end="2026-01-05")
    assert _digest(tmp_path / "sized") == _digest(tmp_path / "default")


def test_shapes_are_deterministic_for_a_seed_in_any_order(tmp_path, landing_of):
    shaped = landing_of(*ALL_SHAPES)
    assert _digest(_simulate(tmp_path / "again", ALL_SHAPES[::-1])) == _digest(shaped)
    assert _digest(_simulate(tmp_path / "other", ALL_SHAPES, seed=SEED + 1)) != _digest(shaped)


def test_shapes_leave_the_attacks_and_their_ground_truth_as_they_were(landing_of):
    truth = (landing_of() / "incidents.csv").read_bytes()
    for shapes in [(name,) for name in ALL_SHAPES] + [ALL_SHAPES]:
        landing = landing_of(*shapes)
        assert (landing / "incidents.csv").read_bytes() == truth, shapes
    techniques = {line.split(",")[1] for line in truth.decode().splitlines()[1:]}
    assert techniques == set(TECHNIQUES)
    # the shapes' own noise is benign: none of its accounts or addresses is an incident's entity
    entities = {line.split(",")[3] for line in truth.decode().splitlines()[1:]}
    assert not entities & ({account.name for account in SERVICE_ACCOUNTS} | set(NAT_OFFICES.values())
                           | set(SCANNER_NAMES))


def test_a_shape_moves_no_other_event(landing_of):
    """A shape draws from a stream of its own: the ordinary Windows events stay where they were
    beside an sshd-only shape, and its sshd lines stay the same beside every other shape."""
    def windows_events(landing: Path) -> Counter:
        return Counter((r["EventTime"], r["EventID"], r["Hostname"], r.get("TargetUserName"), r.get("SubjectUserName"))
                       for r in _records(landing, "windows"))

    plain = windows_events(landing_of())
    beside_sshd = windows_events(landing_of("exposed_sshd"))
    assert sum((plain & beside_sshd).values()) >= sum(plain.values()) - 5  # a few lines are cut short either way
    alone = Counter(_sshd(landing_of("exposed_sshd")))
    combined = Counter(_sshd(landing_of(*ALL_SHAPES)))
    assert sum((alone & combined).values()) >= sum(alone.values()) - 5


def test_an_unknown_shape_is_refused_naming_the_shapes(tmp_path):
    with pytest.raises(ValueError, match="no such shape: cloud_only .*shared_hosts, few_process_devices"):
        _simulate(tmp_path, ("cloud_only",))
    assert not (tmp_path / "windows").exists()
    assert check_shapes(["service_accounts", "shared_hosts", "shared_hosts"]) == ("shared_hosts", "service_accounts")


# ------------------------------------------------------------------ each shape does what it is about


def test_shared_hosts_programs_on_two_devices_run_by_many_people_every_day(landing_of):
    landing = landing_of("shared_hosts")
    launches = _windows(landing, 4688)
    hosts, people = defaultdict(set), defaultdict(set)
    for record in launches:
        key = (_day(record["EventTime"]), record["NewProcessName"])
        hosts[key].add(record["Hostname"])
        people[key].add(record["SubjectUserName"])
    for day in DAY_NAMES:
        on_two_devices = [key for key in hosts if key[0] == day and len(hosts[key]) <= 2]
        assert max(len(people[key]) for key in on_two_devices) >= 25, day
        # not one helper alone: several programs are the terminal servers' only
        assert sum(len(people[key]) >= 8 for key in on_two_devices) >= 3, day
    # without the shape, nothing on two devices has more than a couple of people
    plain_people = defaultdict(set)
    plain_hosts = defaultdict(set)
    for record in _windows(landing_of(), 4688):
        plain_hosts[record["NewProcessName"]].add(record["Hostname"])
        plain_people[record["NewProcessName"]].add(record["SubjectUserName"])
    assert max((len(plain_people[p]) for p in plain_hosts if len(plain_hosts[p]) <= 2), default=0) <= 2


def test_shared_hosts_half_the_staff_logs_on_over_rdp_every_working_day(landing_of):
    landing = landing_of("shared_hosts")
    workstation_ips = {user.workstation_ip for user in build_population(random.Random(SEED), EVENTS_PER_DAY, USERS)}
    remote = defaultdict(set)
    for record in _windows(landing, 4624):
        if record["Hostname"].split(".")[0] in TERMINAL_SERVERS:
            assert record["LogonType"] == "10" and record["IpAddress"] in workstation_ips
            remote[_day(record["EventTime"])].add(record["TargetUserName"])
    for day in DAY_NAMES:
        assert 0.35 * USERS <= len(remote[day]) <= 0.7 * USERS, day


def test_shared_hosts_apps_installed_per_user_run_from_their_own_path(landing_of):
    installed = defaultdict(set)  # path -> (user, host)
    for record in _windows(landing_of("shared_hosts"), 4688):
        if r"\AppData\Local\Programs" in record["NewProcessName"]:
            installed[record["NewProcessName"]].add((record["SubjectUserName"], record["Hostname"].split(".")[0]))
    assert len(installed) >= 20
    apps = {rf"\{folder}\{executable}" for folder, executable in PER_USER_APPS}
    for path, runs in installed.items():
        (user,) = {user for user, _ in runs}  # one person's copy
        assert path.startswith(rf"C:\Users\{user}\AppData\Local\Programs") and path.endswith(tuple(apps))
    hosts = {host for runs in installed.values() for _, host in runs}
    assert any(host.startswith("WS-") for host in hosts) and hosts & set(TERMINAL_SERVERS)


def test_few_process_devices_log_processes_on_three_servers_only(landing_of):
    landing = landing_of("few_process_devices")
    processes = _windows(landing, 4688, 4689)
    assert {record["Hostname"].split(".")[0] for record in processes} <= set(AUDITED_SERVERS)
    launches = [record for record in processes if record["EventID"] == 4688]
    assert len({record["SubjectUserName"] for record in launches}) >= 20
    # the attack tools are still seen (run over RDP on a server), as the ground truth says
    assert {record["NewProcessName"] for record in launches} & set(RARE_PROCESSES)
    assert len({record["Hostname"] for record in _windows(landing_of(), 4688)}) > 20  # without the shape


def test_nat_offices_half_the_staff_mistypes_behind_each_nat_every_working_day(landing_of):
    landing = landing_of("nat_offices")
    failed, succeeded = defaultdict(set), defaultdict(set)  # (day, ip) -> people
    for record in _records(landing, "okta"):
        if record["eventType"] == "user.session.start":
            outcome = failed if record["outcome"]["result"] == "FAILURE" else succeeded
            outcome[(_day(record["published"]), record["client"]["ipAddress"])].add(record["actor"]["alternateId"])
    for record in _records(landing, "entra"):
        outcome = {"50126": failed, "0": succeeded}.get(record["resultType"])
        if outcome is not None:
            outcome[(_day(record["time"]), record["callerIpAddress"])].add(record["properties"]["userPrincipalName"])
    staff = [user for user in build_population(random.Random(SEED), EVENTS_PER_DAY, USERS)
             if user.country in NAT_OFFICES]
    for day in DAY_NAMES:
        for country, ip in NAT_OFFICES.items():
            assert len(failed[(day, ip)]) >= 2, (day, ip)
            # nearly the whole office signs in, the ones who mistyped too: a typo, then in
            office = [user for user in staff if user.country == country]
            assert len(succeeded[(day, ip)]) >= 0.8 * len(office), (day, ip)
            assert failed[(day, ip)] <= succeeded[(day, ip)]
        mistyped = set().union(*(failed[(day, ip)] for ip in NAT_OFFICES.values()))
        assert 0.35 * len(staff) <= len(mistyped) <= 0.6 * len(staff), day
    assert all(len(failed[(day, NAT_OFFICES["US"])]) >= 20 for day in DAY_NAMES)


def test_exposed_sshd_scanners_guess_names_nobody_uses(landing_of):
    lines = _sshd(landing_of("exposed_sshd"))
    scanners = defaultdict(set)  # day -> addresses
    guesses = defaultdict(list)  # (address, name) -> times of failed attempts
    accepted = set()
    for at, host, message in lines:
        failure, invalid = SSHD_FAILED.search(message), SSHD_INVALID.match(message)
        success = SSHD_ACCEPTED.match(message)
        if success:
            accepted.add(success.group(1))
        elif failure or invalid:
            ip = failure.group(3) if failure else invalid.group(2)
            scanners[at.date()].add(ip)
            if failure:
                guesses[(ip, failure.group(2))] += [at] * int(failure.group(1) or 1)
    assert all(len(addresses) >= 40 for addresses in scanners.values()) and len(scanners) >= DAYS
    assert not accepted & set(SCANNER_NAMES)
    attempts = Counter(len(times) for times in guesses.values())
    assert attempts[1] + attempts[2] + attempts[3] >= 30 and any(count >= 24 for count in attempts)

    def busiest_hour(times: list[datetime]) -> int:
        times = sorted(times)
        return max(sum(1 for later in times[i:] if later - start < timedelta(hours=1)) for i, start in enumerate(times))

    persistent = [key for key, times in guesses.items()
                  if max(times) - min(times) >= timedelta(hours=2) and busiest_hour(times) >= 20]
    assert persistent, "no scanner kept at one name for hours"


def test_service_accounts_log_on_to_many_servers_around_the_clock(landing_of):
    landing = landing_of("service_accounts")
    names = {account.name for account in SERVICE_ACCOUNTS}
    hosts, hours = defaultdict(set), defaultdict(set)
    for record in _windows(landing, 4624):
        if record["TargetUserName"] in names:
            assert record["LogonType"] == "3"
            hosts[record["TargetUserName"]].add(record["Hostname"])
            hours[record["TargetUserName"]].add(int(record["EventTime"][11:13]))
    assert max(len(found) for found in hosts.values()) >= 10
    assert max(len(found) for found in hours.values()) == 24
    # now and then a password expired: retried at night (05:00-10:00 UTC is the US night)
    expired = [record for record in _windows(landing, 4625) if record["TargetUserName"] in names]
    assert expired and all(record["SubStatus"] == "0xc0000071" and 5 <= int(record["EventTime"][11:13]) < 11
                           for record in expired)
    calls = [record for record in _records(landing, "cloudtrail")
             if record["userIdentity"].get("userName") in names
             or record["userIdentity"].get("arn", "").rsplit("/", 1)[-1].startswith(tuple(names))]
    assert len(calls) >= 100 * DAYS
    roles = {record["requestParameters"]["roleArn"] for record in calls if record["eventName"] == "AssumeRole"}
    assert any("Deploy" in role for role in roles)
    assert not [role for role in roles if re.search(r":role/.*admin", role, re.IGNORECASE)]


def test_the_simulate_command_takes_shapes_and_a_size(tmp_path, capsys):
    from secfeat.cli import main

    out = tmp_path / "landing"
    command = ["simulate", "--days", "2", "--events-per-day", "500", "--seed", "5", "--end", "2026-03-04",
               "--out", str(out)]
    assert main([*command, "--shape", "nat_offices+exposed_sshd", "--shape", "shared_hosts", "--users", "30"]) == 0
    manifest = json.loads((out / "_simulation.json").read_text())
    assert manifest["shapes"] == ["shared_hosts", "nat_offices", "exposed_sshd"] and manifest["users"] == 30
    assert any("TS-01" in line for path in (out / "windows").iterdir() for line in path.open())
    assert main([*command, "--shape", "shared_hosts+nat_offices+exposed_sshd", "--users", "30"]) == 0  # already there
    assert main(command) == 2  # the demo's shape is another simulation
    assert main([*command, "--shape", "vpn_only", "--force"]) == 2
    assert "no such shape: vpn_only (shapes: shared_hosts," in capsys.readouterr().err
