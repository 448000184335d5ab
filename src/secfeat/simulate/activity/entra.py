"""Entra ID: interactive sign-ins (with interrupts: MFA, "stay signed in?"), token refreshes, smart lockout."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, timedelta

from secfeat.simulate.events import Event
from secfeat.simulate.formats import _subsecond, _uuid
from secfeat.simulate.population import BROWSERS, FIRST_NAMES, LAST_NAMES, User, _egress_ip, _ghost

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
    500121: ("Authentication failed during strong authentication request.", "The user didn't complete the MFA prompt."),
}
ENTRA_MFA_INTERRUPTS = (50074, 50076)


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
