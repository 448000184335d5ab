"""Okta: sign-ins (sign-on policy, MFA, session), single sign-on to apps, the odd lockout and admin change."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from secfeat.simulate.events import Event
from secfeat.simulate.formats import ALPHANUMERIC, _opaque, _stable_id, _subsecond
from secfeat.simulate.population import BROWSERS, User, _egress_ip, _Pool

OKTA_APPS = ("Salesforce.com", "Slack", "Workday", "GitHub Enterprise Cloud", "Zoom", "AWS IAM Identity Center")
OKTA_APP_IDS = {app: _stable_id("0oa", app, 17, ALPHANUMERIC) for app in OKTA_APPS}


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
