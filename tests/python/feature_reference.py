"""Every secfeat feature computed by brute force in plain Python, straight from
the boundary rule (an event at e counts toward the value as of t when
t - window < e <= t), independently of the SQL: no window functions, no
incremental state, just a scan of the whole history for every value.

The inputs are the OCSF rows the feature models read, fetched by
`ocsf_inputs(query)`; nothing here looks at a feature table."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

HOUR, DAY = timedelta(hours=1), timedelta(days=1)

USER_FEATURES = ("failed_logins_1h", "failed_logins_24h", "successful_logins_7d", "distinct_src_ips_24h",
                 "login_geo_diversity_7d", "privileged_action_count_24h", "rare_process_count_24h")
EVENT_FEATURES = (*USER_FEATURES, "is_new_src_ip_30d", "distinct_users_failed_1h")


@dataclass(frozen=True)
class Logon:
    uid: str
    user: str
    ip: str | None
    country: str | None
    status: int
    at: datetime


@dataclass(frozen=True)
class Launch:
    uid: str
    user: str | None
    device: str | None
    process: str
    at: datetime


@dataclass
class Inputs:
    logons: list[Logon]
    privileged_actions: list[tuple[str, datetime]]  # (user, at)
    launches: list[Launch]


def ocsf_inputs(query, privileged_role_uid_pattern: str) -> Inputs:
    """Read what the features are defined on from the OCSF tables, as the
    feature docs state it: logons are Authentication activity 1 with a user;
    privileged actions are Authorize Session rows and successful logons into a
    role whose uid matches the pattern (the actor acted); launches are
    Process Activity activity 1."""
    logons, privileged = [], []
    for uid, user, ip, country, status, at, actor, user_uid in query(
            "select event_uid, user_key, src_endpoint_ip, src_endpoint_location_country, status_id, event_at, "
            "actor_user_name, user_uid from ocsf_authentication where activity_id = 1"):
        if user is not None:
            logons.append(Logon(uid, user, ip, country, status, at))
        if (status == 1 and actor is not None and user_uid is not None
                and re.search(privileged_role_uid_pattern, user_uid, re.IGNORECASE)):
            privileged.append((actor.lower(), at))
    privileged += [(user, at) for user, at in query(
        "select user_key, event_at from ocsf_authorize_session where user_key is not null")]
    launches = [Launch(uid, user, device, (path or name).lower(), at) for uid, user, device, path, name, at in query(
        "select event_uid, user_key, device_hostname, process_file_path, process_name, event_at "
        "from ocsf_process_activity where activity_id = 1 and coalesce(process_file_path, process_name) is not null")]
    return Inputs(logons, privileged, launches)


def _inside(t: datetime, window: timedelta, at: datetime) -> bool:
    return t - window < at <= t


def process_prevalence(inputs: Inputs) -> dict[str, int]:
    """Per launch: distinct devices that launched its process in the 30 days up to it."""
    by_process = defaultdict(list)
    for launch in inputs.launches:
        by_process[launch.process].append(launch)
    return {
        launch.uid: len({other.device for other in by_process[launch.process]
                         if other.device is not None and _inside(launch.at, 30 * DAY, other.at)})
        for launch in inputs.launches
    }


def reference_of(project, **variables) -> "Reference":
    """The reference on the OCSF rows a built project holds, with its vars
    (dbt_project.yml's defaults unless the project or `variables` set them)."""
    from raw_reference import PROJECT_VARS

    settings = {**PROJECT_VARS, **project.vars, **variables}
    return Reference(ocsf_inputs(project.query, settings["privileged_role_uid_pattern"]),
                     settings["rare_process_max_devices"])


class Reference:
    def __init__(self, inputs: Inputs, rare_process_max_devices: int):
        self.inputs = inputs
        prevalence = process_prevalence(inputs)
        self.logons_by_user = defaultdict(list)
        self.logons_by_ip = defaultdict(list)
        for logon in inputs.logons:
            self.logons_by_user[logon.user].append(logon)
            if logon.ip is not None:
                self.logons_by_ip[logon.ip].append(logon)
        self.privileged_by_user = defaultdict(list)
        for user, at in inputs.privileged_actions:
            if user is not None:
                self.privileged_by_user[user].append(at)
        self.rare_launches_by_user = defaultdict(list)
        for launch in inputs.launches:
            if launch.user is not None and prevalence[launch.uid] <= rare_process_max_devices:
                self.rare_launches_by_user[launch.user].append(launch.at)

    def user_features(self, user: str, t: datetime) -> dict:
        logons = self.logons_by_user[user]

        def logons_in(window):
            return [logon for logon in logons if _inside(t, window, logon.at)]

        return {
            "failed_logins_1h": sum(1 for logon in logons_in(HOUR) if logon.status == 2),
            "failed_logins_24h": sum(1 for logon in logons_in(DAY) if logon.status == 2),
            "successful_logins_7d": sum(1 for logon in logons_in(7 * DAY) if logon.status == 1),
            "distinct_src_ips_24h": len({logon.ip for logon in logons_in(DAY) if logon.ip is not None}),
            "login_geo_diversity_7d": len({logon.country for logon in logons_in(7 * DAY) if logon.country}),
            "privileged_action_count_24h": sum(1 for at in self.privileged_by_user[user] if _inside(t, DAY, at)),
            "rare_process_count_24h": sum(1 for at in self.rare_launches_by_user[user] if _inside(t, DAY, at)),
        }

    def is_new_src_ip(self, user: str, ip: str | None, t: datetime) -> bool | None:
        if ip is None:
            return None
        seen = sum(1 for logon in self.logons_by_user[user] if logon.ip == ip and _inside(t, 30 * DAY, logon.at))
        return seen <= 1

    def distinct_users_failed(self, ip: str | None, t: datetime) -> int | None:
        if ip is None:
            return None
        return len({logon.user for logon in self.logons_by_ip[ip] if logon.status == 2 and _inside(t, HOUR, logon.at)})

    def event_features(self, user: str, ip: str | None, t: datetime) -> dict:
        return {**self.user_features(user, t),
                "is_new_src_ip_30d": self.is_new_src_ip(user, ip, t),
                "distinct_users_failed_1h": self.distinct_users_failed(ip, t)}

    def at_every_logon(self) -> dict[str, dict]:
        return {logon.uid: self.event_features(logon.user, logon.ip, logon.at) for logon in self.inputs.logons}

    def known_users(self, as_of: datetime) -> set[str]:
        first_seen = defaultdict(lambda: datetime.max)
        for logon in self.inputs.logons:
            first_seen[logon.user] = min(first_seen[logon.user], logon.at)
        for user, at in self.inputs.privileged_actions:
            first_seen[user] = min(first_seen[user], at)
        for launch in self.inputs.launches:
            if launch.user is not None:
                first_seen[launch.user] = min(first_seen[launch.user], launch.at)
        return {user for user, at in first_seen.items() if at <= as_of}

    def users_as_of(self, as_of: datetime) -> dict[str, dict]:
        return {user: self.user_features(user, as_of) for user in self.known_users(as_of)}

    def src_ips_as_of(self, as_of: datetime) -> dict[str, int]:
        return {ip: self.distinct_users_failed(ip, as_of) for ip, logons in self.logons_by_ip.items()
                if min(logon.at for logon in logons) <= as_of}
