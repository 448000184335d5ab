"""The injected attacks: six techniques, each showing up in its sources in turn, with their ground truth."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Callable

from secfeat.simulate.activity.cloudtrail import (
    AWS_ADMIN_CALLS, PRIVILEGED_ROLES, _api_calls, _assume_role, _cli_agent, _iam_user,
)
from secfeat.simulate.activity.entra import ENTRA_APPS, _entra, _entra_sign_in
from secfeat.simulate.activity.okta import _okta, _okta_sign_in
from secfeat.simulate.activity.sshd import MAX_AUTH_TRIES, NONEXISTENT_USERS, _ssh_login, _ssh_password_guesses
from secfeat.simulate.activity.windows import (
    BAD_PASSWORD, LOCKED_OUT, MEMBER_SERVERS, NO_SUCH_USER, RARE_PROCESSES, WINDOWS_SERVERS, _dc_check, _logon_id,
    _process_run, _win,
)
from secfeat.simulate.config import SimulationConfig
from secfeat.simulate.events import Event, Incident
from secfeat.simulate.formats import _subsecond, _uuid
from secfeat.simulate.population import BROWSERS, FIRST_NAMES, LAST_NAMES, SCRIPTED_CLIENT, User, _ghost, _hostile_ip


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
