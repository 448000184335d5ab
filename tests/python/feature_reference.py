"""Every secfeat feature computed by brute force in plain Python, straight from
the boundary rule (an event at e counts toward the value as of t when
t - window < e <= t), independently of the SQL: no window functions, no
incremental state, just a scan of the whole history for every value.

The inputs are the OCSF rows the feature models read, fetched by
`ocsf_inputs(query)`; nothing here looks at a feature table."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

HOUR, DAY = timedelta(hours=1), timedelta(days=1)

# in the order of the feature macros: the login model's inputs are EVENT_FEATURES, in this order
USER_FEATURES = ("failed_logins_1h", "failed_logins_24h", "successful_logins_7d", "distinct_src_ips_24h",
                 "login_geo_diversity_7d", "privileged_action_count_24h", "mfa_prompts_1h", "successful_mfa_1h",
                 "max_travel_speed_kmh_1h", "privileged_action_count_1h", "privileged_action_count_7d",
                 "privileged_role_assumptions_7d", "api_calls_1h", "failed_api_calls_1h", "successful_logins_30d",
                 "rare_process_count_24h")
SRC_IP_FEATURES = ("distinct_users_failed_1h", "distinct_users_failed_24h", "distinct_users_24h",
                   "distinct_users_succeeded_24h")
EVENT_FEATURES = (*USER_FEATURES, "is_new_src_ip_30d", *SRC_IP_FEATURES)
COUNTRY_FEATURES = ("is_new_country_30d",)  # at every logon with a country too, but no model input


@dataclass(frozen=True)
class Logon:
    uid: str
    user: str
    ip: str | None
    country: str | None
    status: int
    at: datetime
    is_mfa: bool | None = None
    lat: float | None = None
    long: float | None = None

    @property
    def is_located(self) -> bool:
        """A successful logon with coordinates: where the user was."""
        return self.status == 1 and self.lat is not None and self.long is not None


@dataclass(frozen=True)
class PrivilegedAction:
    uid: str
    user: str
    at: datetime
    is_role_assumption: bool  # else an Authorize Session privilege assignment
    ip: str | None = None


@dataclass(frozen=True)
class Launch:
    uid: str
    user: str | None
    device: str | None
    process: str
    at: datetime


@dataclass(frozen=True)
class ApiCall:
    uid: str
    user: str
    status: int | None
    at: datetime
    ip: str | None = None


@dataclass(frozen=True)
class Activity:
    """A row of what a user did, keyed as feat_user_activity_events keys it."""
    uid: str
    kind: str  # logon | privileged_action | process_launch | api_call
    user: str
    at: datetime
    ip: str | None = None


@dataclass
class Inputs:
    logons: list[Logon]
    privileged_actions: list[PrivilegedAction]
    launches: list[Launch]
    api_calls: list[ApiCall]

    def activities(self) -> list[Activity]:
        """Everything a user did: each logon, privileged action (a role
        assumption for its actor), launch with a user and API call with one."""
        return [*(Activity(logon.uid, "logon", logon.user, logon.at, logon.ip) for logon in self.logons),
                *(Activity(action.uid, "privileged_action", action.user, action.at, action.ip)
                  for action in self.privileged_actions),
                *(Activity(launch.uid, "process_launch", launch.user, launch.at)
                  for launch in self.launches if launch.user is not None),
                *(Activity(call.uid, "api_call", call.user, call.at, call.ip) for call in self.api_calls)]


def ocsf_inputs(query, privileged_role_uid_pattern: str) -> Inputs:
    """Read what the features are defined on from the OCSF tables, as the
    feature docs state it: logons are Authentication activity 1 with a user
    (with their MFA flag and coordinates); privileged actions are Authorize
    Session rows and successful logons into a role whose uid matches the
    pattern (the actor acted); launches are Process Activity activity 1; API
    calls are API Activity rows with a user."""
    logons, privileged = [], []
    for uid, user, ip, country, status, at, actor, user_uid, is_mfa, lat, long in query(
            "select event_uid, user_key, src_endpoint_ip, src_endpoint_location_country, status_id, event_at, "
            "actor_user_name, user_uid, is_mfa, src_endpoint_location_lat, src_endpoint_location_long "
            "from ocsf_authentication where activity_id = 1"):
        if user is not None:
            logons.append(Logon(uid, user, ip, country, status, at, is_mfa, lat, long))
        if (status == 1 and actor is not None and user_uid is not None
                and re.search(privileged_role_uid_pattern, user_uid, re.IGNORECASE)):
            privileged.append(PrivilegedAction(uid, actor.lower(), at, is_role_assumption=True, ip=ip))
    privileged += [PrivilegedAction(uid, user, at, is_role_assumption=False) for uid, user, at in query(
        "select event_uid, user_key, event_at from ocsf_authorize_session where user_key is not null")]
    launches = [Launch(uid, user, device, process_key(path, name), at) for uid, user, device, path, name, at in query(
        "select event_uid, user_key, device_hostname, process_file_path, process_name, event_at "
        "from ocsf_process_activity where activity_id = 1 and coalesce(process_file_path, process_name) is not null")]
    api_calls = [ApiCall(*row) for row in query(
        "select event_uid, user_key, status_id, event_at, src_endpoint_ip from ocsf_api_activity "
        "where user_key is not null")]
    return Inputs(logons, privileged, launches, api_calls)


def process_key(path: str | None, name: str | None) -> str:
    """A program's identity: its lowercased path (else name), a per-user install's profile folder made one."""
    return re.sub(r"^([a-z]:\\users\\)[^\\]+", r"\1*", (path or name).lower())


def great_circle_km(lat_from: float, long_from: float, lat_to: float, long_to: float) -> float:
    """Haversine, Earth radius 6371 km, as the docs state it."""
    h = (math.sin(math.radians(lat_to - lat_from) / 2) ** 2
         + math.cos(math.radians(lat_from)) * math.cos(math.radians(lat_to))
         * math.sin(math.radians(long_to - long_from) / 2) ** 2)
    return 2 * 6371 * math.asin(min(1.0, math.sqrt(h)))


def previous_located(logons: list[Logon]) -> dict[str, Logon]:
    """Per located logon that has one: the user's located logon just before it
    (by time, then uid)."""
    by_user = defaultdict(list)
    for logon in logons:
        if logon.is_located:
            by_user[logon.user].append(logon)
    previous = {}
    for located in by_user.values():
        located.sort(key=lambda logon: (logon.at, logon.uid))
        previous |= {logon.uid: before for before, logon in zip(located, located[1:])}
    return previous


def travel_speeds(logons: list[Logon]) -> dict[str, float]:
    """Per located logon with a previous one: km from it over the time
    between, a minute at least, in km/h."""
    by_uid = {logon.uid: logon for logon in logons}
    speeds = {}
    for uid, before in previous_located(logons).items():
        logon = by_uid[uid]
        microseconds = (logon.at - before.at) // timedelta(microseconds=1)
        km = great_circle_km(before.lat, before.long, logon.lat, logon.long)
        speeds[uid] = km / max(microseconds, 60_000_000) * 3_600_000_000
    return speeds


def _inside(t: datetime, window: timedelta, at: datetime) -> bool:
    return t - window < at <= t


def process_prevalence(inputs: Inputs) -> dict[str, tuple[int, int]]:
    """Per launch: distinct devices that launched its process, and distinct users who did, in the 30 days up to it."""
    by_process = defaultdict(list)
    for launch in inputs.launches:
        by_process[launch.process].append(launch)
    prevalence = {}
    for launch in inputs.launches:
        window = [other for other in by_process[launch.process] if _inside(launch.at, 30 * DAY, other.at)]
        prevalence[launch.uid] = (len({other.device for other in window if other.device is not None}),
                                  len({other.user for other in window if other.user is not None}))
    return prevalence


def reference_of(project, **variables) -> "Reference":
    """The reference on the OCSF rows a built project holds, with its vars
    (dbt_project.yml's defaults unless the project or `variables` set them)."""
    from raw_reference import PROJECT_VARS

    settings = {**PROJECT_VARS, **project.vars, **variables}
    return Reference(ocsf_inputs(project.query, settings["privileged_role_uid_pattern"]),
                     settings["rare_process_max_devices"], settings["rare_process_max_users"])


def same(actual, expected) -> bool:
    """Equal, rows and values alike, floats to a relative 1e-9 (the warehouse
    and Python round the haversine differently), booleans never equal to 0/1."""
    if isinstance(actual, dict) and isinstance(expected, dict):
        return actual.keys() == expected.keys() and all(same(actual[key], expected[key]) for key in expected)
    if isinstance(actual, bool) or isinstance(expected, bool):
        return type(actual) is type(expected) and actual == expected
    if isinstance(actual, float) and isinstance(expected, (int, float)) and not isinstance(expected, bool):
        return math.isclose(actual, expected, rel_tol=1e-9)
    return actual == expected


def first_difference(actual: dict, expected: dict) -> str:
    """What differs between two keyed row sets, with one example ('' when `same`)."""
    missing, extra = expected.keys() - actual.keys(), actual.keys() - expected.keys()
    wrong = sorted((key for key in expected.keys() & actual.keys() if not same(actual[key], expected[key])), key=str)
    if not (missing or extra or wrong):
        return ""
    example = wrong[0] if wrong else None
    return (f"{len(missing)} missing (e.g. {sorted(missing, key=str)[:3]}), {len(extra)} extra "
            f"(e.g. {sorted(extra, key=str)[:3]}), {len(wrong)} wrong"
            + (f"; {example}: {actual[example]} != {expected[example]}" if wrong else ""))


class Reference:
    def __init__(self, inputs: Inputs, rare_process_max_devices: int, rare_process_max_users: int):
        self.inputs = inputs
        prevalence = process_prevalence(inputs)
        self.logons_by_user = defaultdict(list)
        self.logons_by_ip = defaultdict(list)
        for logon in inputs.logons:
            self.logons_by_user[logon.user].append(logon)
            if logon.ip is not None:
                self.logons_by_ip[logon.ip].append(logon)
        self.privileged_by_user = defaultdict(list)
        for action in inputs.privileged_actions:
            self.privileged_by_user[action.user].append(action)
        self.speeds = travel_speeds(inputs.logons)
        self.api_calls_by_user = defaultdict(list)
        for call in inputs.api_calls:
            self.api_calls_by_user[call.user].append(call)
        self.rare_launches_by_user = defaultdict(list)
        for launch in inputs.launches:
            devices, users = prevalence[launch.uid]
            if launch.user is not None and devices <= rare_process_max_devices and users <= rare_process_max_users:
                self.rare_launches_by_user[launch.user].append(launch.at)

    def user_features(self, user: str, t: datetime) -> dict:
        logons = self.logons_by_user[user]

        def logons_in(window):
            return [logon for logon in logons if _inside(t, window, logon.at)]

        def privileged_in(window, role_assumptions_only=False):
            return sum(1 for action in self.privileged_by_user[user] if _inside(t, window, action.at)
                       and (action.is_role_assumption or not role_assumptions_only))

        speeds = [self.speeds[logon.uid] for logon in logons_in(HOUR) if logon.uid in self.speeds]
        calls = [call for call in self.api_calls_by_user[user] if _inside(t, HOUR, call.at)]
        values = {
            "failed_logins_1h": sum(1 for logon in logons_in(HOUR) if logon.status == 2),
            "failed_logins_24h": sum(1 for logon in logons_in(DAY) if logon.status == 2),
            "successful_logins_7d": sum(1 for logon in logons_in(7 * DAY) if logon.status == 1),
            "distinct_src_ips_24h": len({logon.ip for logon in logons_in(DAY) if logon.ip is not None}),
            "login_geo_diversity_7d": len({logon.country for logon in logons_in(7 * DAY) if logon.country}),
            "privileged_action_count_24h": privileged_in(DAY),
            "mfa_prompts_1h": sum(1 for logon in logons_in(HOUR) if logon.is_mfa and logon.status in (2, 99)),
            "successful_mfa_1h": sum(1 for logon in logons_in(HOUR) if logon.is_mfa and logon.status == 1),
            "max_travel_speed_kmh_1h": max(speeds) if speeds else None,
            "privileged_action_count_1h": privileged_in(HOUR),
            "privileged_action_count_7d": privileged_in(7 * DAY),
            "privileged_role_assumptions_7d": privileged_in(7 * DAY, role_assumptions_only=True),
            "api_calls_1h": len(calls),
            "failed_api_calls_1h": sum(1 for call in calls if call.status == 2),
            "successful_logins_30d": sum(1 for logon in logons_in(30 * DAY) if logon.status == 1),
            "rare_process_count_24h": sum(1 for at in self.rare_launches_by_user[user] if _inside(t, DAY, at)),
        }
        return {name: values[name] for name in USER_FEATURES}

    def is_new_src_ip(self, user: str, ip: str | None, t: datetime) -> bool | None:
        if ip is None:
            return None
        seen = sum(1 for logon in self.logons_by_user[user] if logon.ip == ip and _inside(t, 30 * DAY, logon.at))
        return seen <= 1

    def src_ip_features(self, ip: str | None, t: datetime) -> dict:
        """Distinct users failing from the IP in 1 and 24 hours, and trying (any
        outcome) in 24 hours; null without an IP."""
        if ip is None:
            return dict.fromkeys(SRC_IP_FEATURES)
        logons = self.logons_by_ip[ip]
        values = {
            "distinct_users_failed_1h": len({logon.user for logon in logons
                                             if logon.status == 2 and _inside(t, HOUR, logon.at)}),
            "distinct_users_failed_24h": len({logon.user for logon in logons
                                              if logon.status == 2 and _inside(t, DAY, logon.at)}),
            "distinct_users_24h": len({logon.user for logon in logons if _inside(t, DAY, logon.at)}),
            "distinct_users_succeeded_24h": len({logon.user for logon in logons
                                                 if logon.status == 1 and _inside(t, DAY, logon.at)}),
        }
        return {name: values[name] for name in SRC_IP_FEATURES}

    def is_new_country(self, user: str, country: str | None, t: datetime) -> bool | None:
        """At most one successful logon of the user from the country in the 30
        days up to t (the logon at t among them when it succeeded); null without a country."""
        if country is None:
            return None
        seen = sum(1 for logon in self.logons_by_user[user]
                   if logon.country == country and logon.status == 1 and _inside(t, 30 * DAY, logon.at))
        return seen <= 1

    def event_features(self, user: str, ip: str | None, t: datetime) -> dict:
        return {**self.user_features(user, t),
                "is_new_src_ip_30d": self.is_new_src_ip(user, ip, t),
                **self.src_ip_features(ip, t)}

    def at_every_logon(self, with_country: bool = False) -> dict[str, dict]:
        """EVENT_FEATURES at every logon (feat_authentication_events), and with
        `with_country` is_new_country_30d too."""
        return {logon.uid: {**self.event_features(logon.user, logon.ip, logon.at),
                            **({"is_new_country_30d": self.is_new_country(logon.user, logon.country, logon.at)}
                               if with_country else {})}
                for logon in self.inputs.logons}

    def at_every_activity(self) -> dict[tuple[str, str], dict]:
        """USER_FEATURES at everything a user did, keyed (event_uid, activity_kind):
        feat_user_activity_events."""
        return {(activity.uid, activity.kind): self.user_features(activity.user, activity.at)
                for activity in self.inputs.activities()}

    def scored_features(self, activity: Activity) -> dict:
        """EVENT_FEATURES at an activity as the model sees it: the source IP's
        features at a logon, null at the other kinds."""
        return self.event_features(activity.user, activity.ip if activity.kind == "logon" else None, activity.at)

    def at_every_scored_event(self) -> dict[tuple[str, str], dict]:
        """EVENT_FEATURES at everything a user did, keyed (event_uid, activity_kind): feat_activity_events."""
        return {(activity.uid, activity.kind): self.scored_features(activity) for activity in self.inputs.activities()}

    def at_every_logon_with_a_country(self) -> dict[str, bool]:
        """is_new_country_30d at every logon with a country: feat_user_country_authentication_events."""
        return {logon.uid: self.is_new_country(logon.user, logon.country, logon.at)
                for logon in self.inputs.logons if logon.country is not None}

    def known_users(self, as_of: datetime) -> set[str]:
        return {activity.user for activity in self.inputs.activities() if activity.at <= as_of}

    def users_as_of(self, as_of: datetime) -> dict[str, dict]:
        return {user: self.user_features(user, as_of) for user in self.known_users(as_of)}

    def src_ips_as_of(self, as_of: datetime) -> dict[str, dict]:
        return {ip: self.src_ip_features(ip, as_of) for ip, logons in self.logons_by_ip.items()
                if min(logon.at for logon in logons) <= as_of}
