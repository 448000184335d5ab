"""Ordinary activity for one day, across the sources that share the day's random stream."""

from __future__ import annotations

import random
from datetime import datetime

from secfeat.simulate.activity.cloudtrail import _aws_session, _instance_role_refreshes
from secfeat.simulate.activity.entra import _entra_activity
from secfeat.simulate.activity.okta import _okta_activity
from secfeat.simulate.activity.sshd import _internet_ssh_noise, _ssh_admin_session
from secfeat.simulate.activity.windows import _windows_session
from secfeat.simulate.events import Event
from secfeat.simulate.population import User, _pools, _working_time

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
