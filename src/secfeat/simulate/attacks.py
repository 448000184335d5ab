"""The injected attacks: ten techniques, each showing up in its sources in turn, with their ground truth.

The first six draw from the simulation's own random stream; the later ones
(LATER_ATTACKS) each from a stream of their own, so adding them left every
earlier seed's events as they were."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Callable

from secfeat.simulate.activity.cloudtrail import (
    AWS_ADMIN_CALLS, AWS_READ_CALLS, PRIVILEGED_ROLES, _api_calls, _assume_role, _cli_agent, _cloudtrail, _iam_user,
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


def _password_spray_slow(rng: random.Random, at: datetime, users: list[User], incident_id: str, variant: str):
    """Low and slow: one address, one attempt per account every 5 to 30 minutes,
    so no hour sees more than a handful of accounts fail."""
    ip, _ = _hostile_ip(rng)
    targets = rng.sample(users, min(len(users), rng.randint(20, 60)))
    targets += [_ghost(f"{rng.choice(FIRST_NAMES)}.{rng.choice(LAST_NAMES)}x") for _ in range(rng.randint(1, 3))]
    rng.shuffle(targets)
    events, t = [], at
    correlation = _uuid(rng)
    for user in targets:
        t += timedelta(minutes=rng.uniform(10, 30))
        exists = user.sid != "S-1-0-0" and (variant == "windows" or variant in user.idps)
        if not exists:
            user = _ghost(user.name)
        if variant == "windows":
            codes = BAD_PASSWORD if exists else NO_SUCH_USER
            events.append(_dc_check(t, rng, user, ip, ntlm=True, codes=codes))
            events.append(_win(t, "logon_failure", user=user, host="DC01", ip=ip, logon_type=3, logon_id="0x0",
                               codes=codes))
        elif variant == "entra":
            events.append(_entra(t, user, ip, 50126 if exists else 50034, interactive=True, app=ENTRA_APPS[2],
                                 correlation=correlation, agent=SCRIPTED_CLIENT))
        else:
            events.append(_okta(t, "user.session.start", user, ip, "FAILURE",
                                "INVALID_CREDENTIALS" if exists else "VERIFICATION_ERROR", session="unknown",
                                agent=SCRIPTED_CLIENT))
    return events, [Incident(incident_id, "password_spray_slow", "src_ip", ip, at, max(e.at for e in events))]


def _mfa_fatigue(rng: random.Random, at: datetime, users: list[User], incident_id: str, variant: str):
    """A stolen password, then push after push until the victim gives in (about half the time)."""
    ip, _ = _hostile_ip(rng)
    victim = rng.choice(_with(users, variant))
    pushes = rng.randint(8, 40)
    over = timedelta(minutes=rng.randint(10, 40))
    accepted = rng.random() < 0.5
    events: list[Event] = []
    correlation, session = _uuid(rng), "102" + _uuid(rng).replace("-", "")[:22]
    for i in range(pushes):
        t = at + over * (i / pushes) + timedelta(milliseconds=rng.randint(0, 999))
        if variant == "okta":
            events.append(_okta(t, "policy.evaluate_sign_on", victim, ip, "CHALLENGE",
                                "Sign-on policy evaluation resulted in CHALLENGE", session=session,
                                agent=SCRIPTED_CLIENT))
            events.append(_okta(t + timedelta(seconds=rng.uniform(20, 50)), "user.authentication.auth_via_mfa",
                                victim, ip, "FAILURE", "User rejected Okta push verify", session=session,
                                agent=SCRIPTED_CLIENT))
        else:
            code = 50074 if i % 2 == 0 else 500121
            events.append(_entra(t, victim, ip, code, interactive=True, app=ENTRA_APPS[0], correlation=correlation,
                                 agent=SCRIPTED_CLIENT, mfa=True))
    end = at + over + timedelta(seconds=30)
    if accepted:
        if variant == "okta":
            events.append(_okta(end, "user.authentication.auth_via_mfa", victim, ip, "SUCCESS", session=session,
                                agent=SCRIPTED_CLIENT))
            events.append(_okta(end, "user.session.start", victim, ip, "SUCCESS", session=session,
                                agent=SCRIPTED_CLIENT))
        else:
            events.append(_entra(end, victim, ip, 0, interactive=True, app=ENTRA_APPS[0], correlation=correlation,
                                 agent=SCRIPTED_CLIENT, mfa=True))
    return events, [Incident(incident_id, "mfa_fatigue", "user", victim.name, at, end)]


def _new_country_sign_in(rng: random.Random, at: datetime, users: list[User], incident_id: str, variant: str):
    """A valid session (password and MFA) from a country the victim never signs in from."""
    ip, _ = _hostile_ip(rng)
    victim = rng.choice(_with(users, variant))
    if variant == "okta":
        events = _okta_sign_in(rng, at, victim, ip, agent=BROWSERS[(victim.browser + 1) % len(BROWSERS)],
                               typo_chance=0)
    else:
        events = _entra_sign_in(rng, at, victim, ip, agent=BROWSERS[(victim.browser + 1) % len(BROWSERS)],
                                typo_chance=0)
    return events, [Incident(incident_id, "new_country_sign_in", "user", victim.name, at, max(e.at for e in events))]


def _cloud_privilege_escalation(rng: random.Random, at: datetime, users: list[User], incident_id: str,
                                variant: str):
    """A non-admin IAM user's keys, in other hands: look around IAM, fail to
    attach a policy, then assume an admin role and act with it."""
    candidates = [u for u in users if u.has_aws and not u.is_admin] or [u for u in users if not u.is_admin] or users
    user = rng.choice(candidates)
    ip, _ = _hostile_ip(rng)
    identity = _iam_user(user, user.aws_key)
    agent = _cli_agent("iam", "ListAttachedUserPolicies")
    t = at
    events = _api_calls(rng, t, identity, ip, False, AWS_READ_CALLS, rng.randint(2, 5))
    t = max(e.at for e in events) + timedelta(seconds=rng.randint(5, 60))
    events.append(_cloudtrail(t, identity, "iam", "AttachUserPolicy", ip, agent,
                              params={"userName": user.name,
                                      "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"},
                              read_only=False, error=("AccessDenied", f"User: {user.name} is not authorized to "
                                                      "perform: iam:AttachUserPolicy")))
    t += timedelta(seconds=rng.randint(30, 300))
    event, assumed = _assume_role(rng, t, identity, rng.choice(PRIVILEGED_ROLES), f"{user.name}-{rng.randint(1000, 9999)}",
                                  ip, _cli_agent("sts", "AssumeRole"), True)
    events.append(event)
    if assumed:
        events.extend(_api_calls(rng, t, assumed, ip, False, AWS_ADMIN_CALLS, rng.randint(2, 6)))
    end = max(e.at for e in events)
    return events, [Incident(incident_id, "cloud_privilege_escalation", "user", user.name, at, end)]


ATTACKS: dict[str, Callable] = {
    "brute_force": _brute_force,
    "password_spray": _password_spray,
    "credential_stuffing": _credential_stuffing,
    "impossible_travel": _impossible_travel,
    "privilege_burst": _privilege_burst,
    "rare_process": _rare_process,
}
# Added later: each draws from its own random stream (see plan_attacks).
LATER_ATTACKS: dict[str, Callable] = {
    "password_spray_slow": _password_spray_slow,
    "mfa_fatigue": _mfa_fatigue,
    "new_country_sign_in": _new_country_sign_in,
    "cloud_privilege_escalation": _cloud_privilege_escalation,
}
# The sources each technique shows up in; successive incidents of a technique take them in turn.
ATTACK_SOURCES: dict[str, tuple[str, ...]] = {
    "brute_force": ("windows", "sshd"),
    "password_spray": ("windows", "entra", "okta"),
    "credential_stuffing": ("windows", "okta"),
    "impossible_travel": ("windows", "okta", "entra"),
    "privilege_burst": ("windows", "cloudtrail"),
    "rare_process": ("windows",),
    "password_spray_slow": ("windows", "entra", "okta"),
    "mfa_fatigue": ("okta", "entra"),
    "new_country_sign_in": ("okta", "entra"),
    "cloud_privilege_escalation": ("cloudtrail",),
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
    for technique, attack in LATER_ATTACKS.items():
        own = random.Random(f"{config.seed}:attack:{technique}")
        variants = ATTACK_SOURCES[technique]
        # a slow spray lasts up to about 20 hours: it must end before the simulation does
        latest = span - (21 * 3600 if technique == "password_spray_slow" else 0)
        for index in range(per_technique):
            serial += 1
            at = first + timedelta(seconds=own.uniform(0, max(latest, 60)))
            attack_events, attack_incidents = attack(own, at, users, f"INC-{serial:04d}", variants[index % len(variants)])
            events.extend(attack_events)
            incidents.extend(attack_incidents)
    return events, incidents
