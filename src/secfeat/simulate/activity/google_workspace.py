"""Google Workspace: the login audit of the people who also have a Google account.

Generated from a random stream of its own (see landing.py), so that this
source, added after the first five, changes nothing in their files. Google
logs each step of a sign-in as an activity of its own: a failed password, a
2-step verification, an identity challenge, then the success that lists
every method the session went through.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from secfeat.simulate.events import Event
from secfeat.simulate.formats import _subsecond
from secfeat.simulate.population import User, _egress_ip, _hostile_ip, _Pool, _working_time

SOURCE = "google_workspace"
# The day's Google Workspace activities as a share of events_per_day (a weekday; weekends are quiet).
GOOGLE_WORKSPACE_SHARE = 0.04
# About this share of the people have a Google account (marketing and sales live in Google Docs).
GOOGLE_ACCOUNT_SHARE = 0.3
CHALLENGE_PASSED, CHALLENGE_FAILED = "Challenge Passed.", "Challenge Failed."
# Second factors for 2-step verification: (login_challenge_method, weight).
SECOND_FACTORS = (("google_prompt", 45), ("google_authenticator", 30), ("security_key", 15),
                  ("idv_preregistered_phone", 10))
EPOCH = datetime(1970, 1, 1)


def google_workspace_users(users: list[User]) -> list[User]:
    """Who has a Google account: chosen by name, not drawn in build_population (a draw there would
    change everybody's attributes in the other sources)."""
    members = [u for u in users if random.Random(f"{SOURCE}:{u.name}").random() < GOOGLE_ACCOUNT_SHARE]
    return members or users[:1]


def _google(at: datetime, name: str, user: User, ip: str, parameters: list[dict], event_type: str = "login") -> Event:
    """One activity with one event; `parameters` are already in the Reports API's shape."""
    return Event(at, SOURCE, name, {"type": event_type, "user": user, "ip": ip, "parameters": parameters})


def _login_type(value: str) -> dict:
    return {"name": "login_type", "value": value}


def _methods(*methods: str) -> dict:
    return {"name": "login_challenge_method", "multiValue": list(methods)}


def _status(passed: bool) -> dict:
    return {"name": "login_challenge_status", "value": CHALLENGE_PASSED if passed else CHALLENGE_FAILED}


def _suspicious(value: bool) -> dict:
    return {"name": "is_suspicious", "boolValue": value}


def _failure(at: datetime, user: User, ip: str) -> Event:
    return _google(at, "login_failure", user, ip, [
        _login_type("google_password"), _methods("password"),
        {"name": "login_failure_type", "value": "login_failure_invalid_password"}])


def _sign_in(rng: random.Random, at: datetime, user: User, ip: str) -> list[Event]:
    """A typo now and then, 2-step verification on a new browser, an identity challenge when the
    sign-in looks unfamiliar, then the success; sometimes a logout hours later."""
    t = _subsecond(rng, at)
    events = []
    methods = ["password"]  # every challenge of the session, in order, as the success will list them
    if rng.random() < 0.05:
        events.append(_failure(t, user, ip))
        methods.append("password")
        t += timedelta(seconds=rng.uniform(5, 30))
    if rng.random() < 0.06:  # Google is not sure it is really them: a code to the phone on file
        passed = rng.random() < 0.9
        events.append(_google(t, "login_challenge", user, ip, [
            _login_type("google_password"), _methods("idv_preregistered_phone"), _status(passed)]))
        if not passed:
            return events
        methods.append("idv_preregistered_phone")
        t += timedelta(seconds=rng.uniform(10, 60))
    if rng.random() < 0.35:  # 2-step verification (a remembered browser skips it)
        factors, weights = zip(*SECOND_FACTORS)
        factor = rng.choices(factors, weights)[0]
        if rng.random() < 0.03:  # a wrong code or a missed prompt first
            events.append(_google(t, "login_verification", user, ip, [
                _login_type("google_password"), _methods(factor), _status(False),
                {"name": "is_second_factor", "boolValue": True}]))
            t += timedelta(seconds=rng.uniform(10, 40))
        t += timedelta(seconds=rng.uniform(3, 20))
        events.append(_google(t, "login_verification", user, ip, [
            _login_type("google_password"), _methods(factor), _status(True),
            {"name": "is_second_factor", "boolValue": True}]))
        methods.append(factor)
    t += timedelta(milliseconds=rng.randint(200, 2000))
    events.append(_google(t, "login_success", user, ip, [
        _login_type("google_password"), _methods(*methods), _suspicious(False)]))
    if rng.random() < 0.12:
        t += timedelta(minutes=rng.randint(10, 480), milliseconds=rng.randint(0, 999))
        events.append(_google(t, "logout", user, ip, [_login_type("google_password")]))
    return events


def _google_activity(rng: random.Random, at: datetime, user: User) -> list[Event]:
    ip = _egress_ip(rng, user)
    roll = rng.random()
    if roll < 0.8:
        return _sign_in(rng, at, user, ip)
    if roll < 0.95:  # the password again before a sensitive setting
        return [_google(_subsecond(rng, at), "login_success", user, ip, [
            _login_type("reauth"), _methods("password"), _suspicious(False)])]
    if roll < 0.985:  # the old password, a few times
        t = _subsecond(rng, at)
        events = []
        for _ in range(rng.randint(2, 4)):
            events.append(_failure(t, user, ip))
            t += timedelta(seconds=rng.uniform(5, 40))
        return events
    if roll < 0.995:  # Google blocked somebody else's attempt with this user's password, and says so later
        attempt = _subsecond(rng, at)
        microseconds = (attempt - EPOCH) // timedelta(microseconds=1)
        warned = attempt + timedelta(seconds=rng.uniform(20, 600))
        return [_google(warned, "suspicious_login", user, _hostile_ip(rng)[0], [
            {"name": "affected_email_address", "value": user.upn},
            {"name": "login_timestamp", "intValue": str(microseconds)}], event_type="account_warning")]
    # risky enough that Google asked again, allowed all the same (the warehouse ignores these)
    return [_google(_subsecond(rng, at), "risky_sensitive_action_allowed", user, ip, [
        _login_type("google_password"), _methods("password"), _status(True), _suspicious(True),
        {"name": "sensitive_action_name", "value": "Allowing access to data"}])]


def google_workspace_day(rng: random.Random, day: datetime, users: list[User], budget: int) -> list[Event]:
    """One day of the Google Workspace login audit for `users` (those with a Google account)."""
    if day.weekday() >= 5:
        budget = budget * 3 // 10  # quiet weekends
    pool = _Pool(users)
    events: list[Event] = []
    while len(events) < budget:
        user = pool.pick(rng)
        events.extend(_google_activity(rng, _working_time(rng, day, user), user))
    return events
