"""The feature layer proven on randomized event streams.

Each stream is written straight into the OCSF tables the features read (so
the test controls every timestamp), landed in several random batches with an
incremental dbt run after each, and must then equal a brute-force reference
computed in plain Python (feature_reference.py), and a full refresh. The same
streams check the as-of grain (entity-latest and training-set rows at random
probe times) against the same reference."""

from __future__ import annotations

import random
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest

from conftest import DbtProject
from secfeat import contract
from feature_reference import (EVENT_FEATURES, SRC_IP_FEATURES, USER_FEATURES, Reference, first_difference,
                               great_circle_km, process_prevalence, reference_of, same)

pytestmark = pytest.mark.dbt

STREAMS = 20
ORIGIN = datetime(2026, 1, 1)
AS_OF = ORIGIN + timedelta(days=3)
PRIVILEGED_ROLE_UID_PATTERN = ":role/.*admin"
RARE_PROCESS_MAX_DEVICES = 2
WINDOWS = (timedelta(hours=1), timedelta(hours=24), timedelta(days=7), timedelta(days=30))
MICROSECOND = timedelta(microseconds=1)
LOADS_FROM = datetime(2027, 1, 1)
# An incremental run joins each recomputed row to its window's events for an
# entity with at most this many such rows, else runs window functions: the
# streams take turns at every row joined, none, and a mix of the two.
JOINED_PROBES_MAX = (1_000_000, 0, 2)
# Where Okta- and Entra-like logons come from: (country, latitude, longitude).
PLACES = (("US", 40.7128, -74.0060), ("DE", 52.5200, 13.4050), ("BR", -23.5505, -46.6333),
          ("GB", 51.5074, -0.1278))

# Each incremental model, with its entity's longest window: an arrival at e
# rewrites the rows of its entity at e <= t < e + that window.
INCREMENTAL_MODELS = {
    "int_process_launch_prevalence": timedelta(days=30),
    "feat_user_activity_events": timedelta(days=30),
    "feat_user_src_ip_authentication_events": timedelta(days=30),
    "feat_src_ip_authentication_events": timedelta(hours=24),
    "feat_user_country_authentication_events": timedelta(days=30),
}
FEATURE_MODELS = (*INCREMENTAL_MODELS, "int_located_logons", "int_user_activity_events",
                  "feat_user_authentication_events", "feat_authentication_events")
AS_OF_MODELS = ("feat_user_latest", "feat_src_ip_latest", "feat_login_training_set")
OCSF_TABLES = ("ocsf_authentication", "ocsf_authorize_session", "ocsf_process_activity", "ocsf_api_activity")
INPUT_TABLES = (*OCSF_TABLES, "reference.analyst_dispositions")


# ---------------------------------------------------------------- random streams


@dataclass
class Stream:
    """OCSF rows per table, each with the batch it lands in."""
    rows: dict[str, list[dict]] = field(default_factory=lambda: {table: [] for table in OCSF_TABLES})
    batch_of: dict[str, int] = field(default_factory=dict)
    ingested_at: list[datetime] = field(default_factory=list)  # each batch's file time (may repeat)
    probes: list[dict] = field(default_factory=list)

    def landed(self, table: str, batch: int) -> list[dict]:
        return [row for row in self.rows[table] if self.batch_of[row["event_uid"]] == batch]

    def landed_through(self, table: str, batch: int) -> list[dict]:
        return [row for row in self.rows[table] if self.batch_of[row["event_uid"]] <= batch]


def authentication(uid: str, user: str | None, at: datetime, status: int = 1, *, activity_id: int = 1,
                   ip: str | None = None, country: str | None = None, lat: float | None = None,
                   long: float | None = None, is_mfa: bool | None = None, actor: str | None = None,
                   user_uid: str | None = None) -> dict:
    """An ocsf_authentication row; an Okta or Entra logon carries lat/long."""
    return {"event_uid": uid, "activity_id": activity_id, "user_key": user, "src_endpoint_ip": ip,
            "src_endpoint_location_country": country, "src_endpoint_location_lat": lat,
            "src_endpoint_location_long": long, "status_id": status, "is_mfa": is_mfa, "event_at": at,
            "actor_user_name": actor, "user_uid": user_uid}


def located(uid: str, user: str, at: datetime, place: str, status: int = 1, **more) -> dict:
    """A logon from one of PLACES, with its country and coordinates."""
    country, lat, long = next(entry for entry in PLACES if entry[0] == place)
    return authentication(uid, user, at, status, country=country, lat=lat, long=long, **more)


def api_call(uid: str, user: str | None, at: datetime, status: int = 1, ip: str | None = None) -> dict:
    return {"event_uid": uid, "activity_id": 99, "user_key": user, "actor_user_name": user, "status_id": status,
            "src_endpoint_ip": ip, "actor_session_is_mfa": None, "event_at": at}


def _event_times(rng: random.Random, count: int) -> list[datetime]:
    """Mostly a steady trickle, plus the cases windows get wrong: duplicate
    timestamps, events exactly at (and a microsecond off) a window's edge from
    another event, and gaps longer than the longest window."""
    times, clock = [], ORIGIN + timedelta(seconds=rng.randint(0, 3600))
    for _ in range(count):
        roll = rng.random()
        if times and roll < 0.15:
            at = rng.choice(times)
        elif times and roll < 0.40:
            at = rng.choice(times) + rng.choice((1, -1)) * rng.choice(WINDOWS) + rng.choice((-1, 0, 0, 1)) * MICROSECOND
        elif roll < 0.46:
            at = clock + timedelta(days=rng.uniform(31, 45))
        else:
            at = clock + timedelta(seconds=rng.expovariate(1 / 1800), microseconds=rng.randint(0, 999999))
        clock = max(clock, at)
        times.append(at)
    return times


def random_stream(seed: int) -> Stream:
    rng = random.Random(seed)
    users = [f"user{n}" for n in range(rng.randint(1, 4))]
    ips = ["10.0.0.1", "10.0.0.2", "203.0.113.7", None]
    countries = ["US", "DE", "BR", None]
    devices = ["ws-1", "ws-2", "ws-3", "srv-1"]
    processes = ["C:\\Windows\\cmd.exe", "c:\\windows\\CMD.EXE", "C:\\tools\\rare.exe", "C:\\x\\y.exe"]
    stream = Stream()
    kinds = ("logon", "located", "logoff", "privilege", "role", "launch", "exit", "api")
    for number, at in enumerate(_event_times(rng, rng.randint(20, 70))):
        uid = f"s{seed}-e{number}"
        kind = rng.choices(kinds, (30, 25, 5, 8, 10, 15, 4, 12))[0]
        user = rng.choice(users)
        if kind in ("logon", "logoff"):
            stream.rows["ocsf_authentication"].append(authentication(
                uid, None if rng.random() < 0.05 else user, at, rng.choice((1, 1, 2, 2, 99)),
                activity_id=1 if kind == "logon" else 2, ip=rng.choice(ips), country=rng.choice(countries),
                is_mfa=rng.choice((None, None, True, False))))
        elif kind == "located":
            # Okta/Entra-like: a country and coordinates (nearby or not), MFA or not, MFA prompts (99)
            country, lat, long = rng.choice(PLACES)
            nudge = rng.choice((0.0, 0.0, rng.uniform(-0.5, 0.5)))
            stream.rows["ocsf_authentication"].append(authentication(
                uid, user, at, rng.choice((1, 1, 1, 2, 99)), ip=rng.choice(ips), country=country,
                lat=lat + nudge, long=long - nudge, is_mfa=rng.choice((True, True, False))))
        elif kind == "role":
            stream.rows["ocsf_authentication"].append(authentication(
                uid, f"{user}-session", at, rng.choice((1, 1, 2)), ip=rng.choice(ips), actor=user.upper(),
                user_uid=f"arn:aws:iam::1:role/{rng.choice(('PlatformAdmin', 'ReadOnly', 'administratoraccess'))}"))
        elif kind == "privilege":
            stream.rows["ocsf_authorize_session"].append({
                "event_uid": uid, "user_key": user, "status_id": 1, "event_at": at})
        elif kind == "api":
            stream.rows["ocsf_api_activity"].append(api_call(
                uid, None if rng.random() < 0.1 else user, at, rng.choice((1, 1, 2, None)), rng.choice(ips)))
        else:
            stream.rows["ocsf_process_activity"].append({
                "event_uid": uid, "activity_id": 1 if kind == "launch" else 2,
                "user_key": None if rng.random() < 0.1 else user, "device_hostname": rng.choice(devices),
                "process_file_path": rng.choice(processes), "process_name": None, "event_at": at,
            })

    # Batches cut the stream in time order; some events are held back and
    # land in a later batch, so they arrive late and out of order.
    events = sorted((row["event_at"], row["event_uid"]) for rows in stream.rows.values() for row in rows)
    batches = rng.randint(2, 5)
    cuts = sorted(rng.sample(range(1, len(events)), batches - 1))
    for position, (_, uid) in enumerate(events):
        batch = sum(1 for cut in cuts if position >= cut)
        if batch < batches - 1 and rng.random() < 0.25:
            batch = rng.randint(batch + 1, batches - 1)
        stream.batch_of[uid] = batch
    landed_until = ORIGIN
    for batch in range(batches):
        in_batch = [at for at, uid in events if stream.batch_of[uid] == batch]
        if stream.ingested_at and rng.random() < 0.2:
            stream.ingested_at.append(stream.ingested_at[-1])  # two batches in the same instant
        else:
            landed_until = max([landed_until, *in_batch]) + timedelta(minutes=rng.randint(1, 90))
            stream.ingested_at.append(landed_until)

    # As-of probes: at events, a window's edge away from them, and long after.
    times = [at for at, _ in events]
    for number in range(rng.randint(5, 15)):
        at = rng.choice(times) + rng.choice((timedelta(0), rng.choice(WINDOWS), -rng.choice(WINDOWS),
                                             timedelta(days=60), timedelta(minutes=rng.randint(1, 600))))
        stream.probes.append({"alert_id": f"s{seed}-p{number}", "user_key": rng.choice(users + ["nobody"]),
                              "src_endpoint_ip": rng.choice(ips), "alerted_at": at,
                              "disposition": rng.choice(("true_positive", "false_positive"))})
    return stream


def late_launches_make_a_process_common() -> Stream:
    """A launch judged rare is re-judged when late launches of the same
    process on other devices arrive, though its user has nothing new: the
    user's later logon must lose its rare-process count."""
    at = ORIGIN + timedelta(hours=5)
    stream = Stream()
    stream.rows["ocsf_process_activity"] = [
        {"event_uid": "rare-1", "activity_id": 1, "user_key": "alice", "device_hostname": "ws-1",
         "process_file_path": "C:\\tools\\tool.exe", "process_name": None, "event_at": at},
        *({"event_uid": f"late-{n}", "activity_id": 1, "user_key": "bob", "device_hostname": f"ws-{n}",
           "process_file_path": "c:\\tools\\TOOL.exe", "process_name": None, "event_at": at - timedelta(hours=n)}
          for n in (2, 3)),
    ]
    stream.rows["ocsf_authentication"] = [
        authentication("logon-1", "alice", at + timedelta(minutes=1), ip="10.0.0.1"),
        # moves the watermark past alice's batch
        authentication("logon-2", "carol", at + timedelta(minutes=30), ip="10.0.0.2"),
    ]
    stream.batch_of = {"rare-1": 0, "logon-1": 0, "logon-2": 1, "late-2": 2, "late-3": 2}
    stream.ingested_at = [at + timedelta(hours=1), at + timedelta(hours=2), at + timedelta(hours=3)]
    stream.probes = [{"alert_id": "p1", "user_key": "alice", "src_endpoint_ip": "10.0.0.1",
                      "alerted_at": at + timedelta(minutes=1), "disposition": "true_positive"}]
    return stream


def late_logon_older_than_the_longest_window() -> Stream:
    """A logon that arrives 40 days late, older than every window: it counts
    at its own time and in the window after it, and changes nothing later."""
    at = ORIGIN + timedelta(hours=2)

    def logon(uid: str, when: datetime, status: int = 2, ip: str = "10.0.0.1") -> dict:
        return authentication(uid, "alice", when, status, ip=ip, country="US")

    stream = Stream()
    stream.rows["ocsf_authentication"] = [
        logon("early", at), logon("edge", at + timedelta(days=7)), logon("inside", at + timedelta(hours=3)),
        logon("recent", at + timedelta(days=40)), logon("now", at + timedelta(days=41)),
        logon("late", at + timedelta(minutes=30), status=1, ip="10.0.0.2"),
    ]
    stream.batch_of = {"early": 0, "edge": 0, "inside": 0, "recent": 0, "now": 1, "late": 1}
    stream.ingested_at = [at + timedelta(days=40, hours=1), at + timedelta(days=41, hours=1)]
    return stream


def located_logons_at_one_instant_and_late_between() -> Stream:
    """Travel speed at its edges: a user's first located logon (null speed,
    though another user was located before), two located logons at the same
    instant (ordered by uid: the second is a minute's floor away from the
    first; the same place twice reads 0 km/h, not null), failed and MFA-prompt
    logons with coordinates (not located), then a located logon landing late
    between two that are ten days apart (the next one's speed changes though
    it is more than a week later: only its successor's reload recomputes it),
    and one landing late before the first (which then gets a speed). MFA
    prompts, successful MFA and API calls of the user around them."""
    at = ORIGIN + timedelta(hours=3)
    minutes = lambda n: at + timedelta(minutes=n)  # noqa: E731
    stream = Stream()
    stream.rows["ocsf_authentication"] = [
        located("a-first", "alice", at, "US", ip="10.0.0.1"),
        located("a-denied", "alice", minutes(10), "BR", status=2, is_mfa=True),
        located("a-prompt", "alice", minutes(11), "BR", status=99, is_mfa=True),
        authentication("a-mfa", "alice", minutes(12), is_mfa=True, ip="10.0.0.1"),
        authentication("a-prompt-no-mfa", "alice", minutes(13), status=99, is_mfa=False),
        located("same-b", "alice", minutes(30), "DE", is_mfa=True),
        located("same-a", "alice", minutes(30), "BR"),  # same instant: before same-b by uid
        located("a-ten-days", "alice", at + timedelta(days=10), "GB"),
        located("late-between", "alice", at + timedelta(days=2), "GB"),
        located("late-before", "alice", at - timedelta(hours=1), "GB"),
        authentication("b-plain", "bob", minutes(50), ip="10.0.0.2"),
        located("b-first", "bob", minutes(60), "DE", ip="10.0.0.2"),
        located("b-again", "bob", minutes(60), "DE", ip="10.0.0.2"),
    ]
    stream.rows["ocsf_api_activity"] = [
        api_call("call-1", "alice", minutes(31)), api_call("call-2", "alice", minutes(32), status=2),
        api_call("call-nobody", None, minutes(33), status=2),
        api_call("call-late", "alice", minutes(34), status=2),
    ]
    stream.batch_of = {row["event_uid"]: 0 for rows in stream.rows.values() for row in rows}
    stream.batch_of |= {"late-between": 1, "call-late": 1, "late-before": 2}
    stream.ingested_at = [at + timedelta(days=10, hours=1), at + timedelta(days=10, hours=2),
                          at + timedelta(days=10, hours=3)]
    return stream


def new_country_within_and_after_30_days() -> Stream:
    """is_new_country_30d: a failure from a country never counts; the first
    success from it is new, a second one within 30 days is not, one exactly 30
    days after the last is new again (a microsecond less is not); another
    country of the same user is its own; a success landing late makes a later
    one not new."""
    at = ORIGIN + timedelta(hours=1)
    days = lambda n: at + timedelta(days=n)  # noqa: E731
    stream = Stream()
    stream.rows["ocsf_authentication"] = [
        authentication("c-failed-first", "carol", at, status=2, country="FR"),
        authentication("c-first", "carol", at + timedelta(minutes=1), country="FR"),
        authentication("c-failed-after", "carol", at + timedelta(minutes=5), status=2, country="FR"),
        authentication("c-other-country", "carol", at + timedelta(minutes=6), country="DE"),
        authentication("c-no-country", "carol", at + timedelta(minutes=7)),
        authentication("c-second", "carol", days(10), country="FR"),
        authentication("c-failed-later", "carol", days(10) + timedelta(hours=1), status=2, country="FR"),
        authentication("c-30-days-later", "carol", days(40), country="FR"),
        authentication("c-late", "carol", days(25), country="FR"),
        authentication("d-first", "dave", at, country="GB"),
        authentication("d-at-the-edge", "dave", days(30), country="GB"),
        authentication("e-first", "erin", at, country="GB"),
        authentication("e-just-inside", "erin", days(30) - MICROSECOND, country="GB"),
    ]
    stream.batch_of = {row["event_uid"]: 0 for row in stream.rows["ocsf_authentication"]}
    stream.batch_of["c-late"] = 1
    stream.ingested_at = [days(40) + timedelta(hours=1), days(40) + timedelta(hours=2)]
    return stream


STREAM_CASES = {**{f"random-{seed}": lambda seed=seed: random_stream(seed) for seed in range(STREAMS)},
                "late-launches-make-a-process-common": late_launches_make_a_process_common,
                "late-logon-older-than-the-longest-window": late_logon_older_than_the_longest_window,
                "located-logons-at-one-instant-and-late-between": located_logons_at_one_instant_and_late_between,
                "new-country-within-and-after-30-days": new_country_within_and_after_30_days}


def _km_per_hour(from_place: str, to_place: str, elapsed: timedelta) -> float:
    (_, lat_from, long_from), = (entry for entry in PLACES if entry[0] == from_place)
    (_, lat_to, long_to), = (entry for entry in PLACES if entry[0] == to_place)
    hours = max(elapsed, timedelta(minutes=1)) / timedelta(hours=1)
    return great_circle_km(lat_from, long_from, lat_to, long_to) / hours


def _travel_values(batch: int, events: dict, activity: dict) -> None:
    speeds = {uid: row["travel_speed_kmh"] for uid, row in events.items()}
    expected = {
        "a-first": None if batch < 2 else _km_per_hour("GB", "US", timedelta(hours=1)),
        "a-denied": None, "a-prompt": None, "a-mfa": None, "a-prompt-no-mfa": None,
        "same-a": _km_per_hour("US", "BR", timedelta(minutes=30)),
        "same-b": _km_per_hour("BR", "DE", timedelta(0)),  # a minute's floor
        "a-ten-days": _km_per_hour("DE", "GB", timedelta(days=10, minutes=-30)) if batch < 1 else 0.0,
        "b-plain": None, "b-again": None, "b-first": 0.0,  # bob's first located logon (by uid), then the same place
    }
    if batch >= 1:
        expected["late-between"] = _km_per_hour("DE", "GB", timedelta(days=2, minutes=-30))
    if batch >= 2:
        expected["late-before"] = None
    _assert_same(speeds, expected, f"travel speeds after batch {batch}")
    assert events["b-first"]["max_travel_speed_kmh_1h"] == 0.0 and events["b-plain"]["max_travel_speed_kmh_1h"] is None
    assert events["same-b"]["max_travel_speed_kmh_1h"] == speeds["same-b"]
    assert events["a-prompt-no-mfa"]["mfa_prompts_1h"] == 2  # the denial and the prompt, both MFA steps
    assert events["same-b"]["successful_mfa_1h"] == 2
    calls = activity[("call-late" if batch else "call-2", "api_call")]
    assert (calls["api_calls_1h"], calls["failed_api_calls_1h"]) == ((3, 2) if batch else (2, 1))


def _country_values(batch: int, events: dict, activity: dict) -> None:
    expected = {
        "c-failed-first": True, "c-first": True, "c-other-country": True, "c-no-country": None,
        # a failure with one success before it in the window: at most one, so new (as the macro counts)
        "c-failed-after": True,
        "c-second": False, "c-failed-later": False,
        "c-30-days-later": batch == 0,  # exactly 30 days after c-second: new, until c-late lands between
        "d-first": True, "d-at-the-edge": True, "e-first": True, "e-just-inside": False,
    }
    if batch:
        expected["c-late"] = False
    _assert_same({uid: row["is_new_country_30d"] for uid, row in events.items()}, expected,
                 f"is_new_country_30d after batch {batch}")


EDGE_CASE_VALUES = {"located-logons-at-one-instant-and-late-between": _travel_values,
                    "new-country-within-and-after-30-days": _country_values}


# ---------------------------------------------------------------- the warehouse


@pytest.fixture(scope="module")
def feature_project(tmp_path_factory) -> DbtProject:
    """The project built once on an empty landing zone: every table exists,
    and each stream then writes its own OCSF rows."""
    workdir = tmp_path_factory.mktemp("random_streams")
    landing = workdir / "landing"
    for source in contract.sources():
        (landing / source).mkdir(parents=True)
    project = DbtProject(workdir, landing, as_of=AS_OF.isoformat(sep=" "),
                         privileged_role_uid_pattern=PRIVILEGED_ROLE_UID_PATTERN,
                         rare_process_max_devices=RARE_PROCESS_MAX_DEVICES,
                         training_negative_sample_rate=1)  # the training set labels every event
    project.run("seed")
    project.run("run", "--exclude", "ml_login_model_training+", "tag:uses_champion+")
    return project


def _reset(project: DbtProject) -> None:
    statements = [f"delete from {table}" for table in INPUT_TABLES]
    statements += [f"drop table if exists {model}" for model in INCREMENTAL_MODELS]
    project.execute(statements)


def _land(project: DbtProject, stream: Stream, batch: int) -> None:
    statements = []
    for table, rows in stream.rows.items():
        for row in stream.landed(table, batch):
            # every load is strictly later than the one before, whatever the files' times
            loaded_at = LOADS_FROM + batch * timedelta(minutes=1)
            values = {**row, "_ingested_at": stream.ingested_at[batch], "_loaded_at": loaded_at, "source_name": "test"}
            statements.append((f"insert into {table} ({', '.join(values)}) values ({', '.join('?' * len(values))})",
                               list(values.values())))
    project.execute(statements)


def _event_rows(project: DbtProject) -> dict:
    """feat_authentication_events: every feature, the country's too, and the travel speed it read."""
    columns = (*EVENT_FEATURES, "is_new_country_30d", "travel_speed_kmh")
    rows = project.query(f"select event_uid, {', '.join(columns)} from feat_authentication_events")
    return {row[0]: dict(zip(columns, row[1:])) for row in rows}


def _expected_event_rows(reference: Reference) -> dict:
    return {uid: {**values, "travel_speed_kmh": reference.speeds.get(uid)}
            for uid, values in reference.at_every_logon(with_country=True).items()}


def _activity_rows(project: DbtProject) -> dict:
    rows = project.query(f"select event_uid, activity_kind, {', '.join(USER_FEATURES)} from feat_user_activity_events")
    return {(row[0], row[1]): dict(zip(USER_FEATURES, row[2:])) for row in rows}


def _country_rows(project: DbtProject) -> dict:
    return dict(project.query("select event_uid, is_new_country_30d from feat_user_country_authentication_events"))


def _prevalence_rows(project: DbtProject) -> dict:
    return {uid: (devices, users) for uid, devices, users in project.query(
        "select event_uid, devices_launching_process_30d, users_launching_process_30d "
        "from int_process_launch_prevalence")}


def _warehouse_rows(project: DbtProject) -> dict:
    return {"events": _event_rows(project), "activity": _activity_rows(project),
            "countries": _country_rows(project), "prevalence": _prevalence_rows(project)}


@dataclass(frozen=True)
class _Row:
    """A row an incremental model holds, as the stream tells it: its key, its
    entity, its time, and the batch of the latest load it carries (its own, or
    a later one of an input that changes it)."""
    key: object
    entity: object
    at: datetime
    load: int


def _model_rows(stream: Stream, batch: int) -> dict[str, list[_Row]]:
    """Per incremental model, its rows once batches 0..`batch` have landed.

    A located logon (successful, with coordinates) carries the load of the
    user's previous located logon when that is later: a late one changes the
    next one's travel speed. A launch carries the latest load among the
    launches of its process in the 30 days up to it: a late one re-judges
    the rarity of the later ones."""
    load = stream.batch_of
    authentications = stream.landed_through("ocsf_authentication", batch)
    logons = [row for row in authentications if row["activity_id"] == 1 and row["user_key"] is not None]
    located = defaultdict(list)
    for row in logons:
        if row["status_id"] == 1 and row.get("src_endpoint_location_lat") is not None \
                and row.get("src_endpoint_location_long") is not None:
            located[row["user_key"]].append(row)
    logon_load = {row["event_uid"]: load[row["event_uid"]] for row in logons}
    for rows in located.values():
        rows.sort(key=lambda row: (row["event_at"], row["event_uid"]))
        for before, row in zip(rows, rows[1:]):
            logon_load[row["event_uid"]] = max(load[row["event_uid"]], load[before["event_uid"]])

    launches = [{**row, "process": (row["process_file_path"] or row["process_name"]).lower()}
                for row in stream.landed_through("ocsf_process_activity", batch)
                if row["activity_id"] == 1 and (row["process_file_path"] or row["process_name"]) is not None]
    launch_load = {row["event_uid"]: max(
        load[other["event_uid"]] for other in launches if other["process"] == row["process"]
        and row["event_at"] - timedelta(days=30) < other["event_at"] <= row["event_at"]) for row in launches}

    def logon_rows(entity, having):
        return [_Row(row["event_uid"], entity(row), row["event_at"], logon_load[row["event_uid"]])
                for row in logons if having(row)]

    activity = [_Row((row["event_uid"], "logon"), row["user_key"], row["event_at"], logon_load[row["event_uid"]])
                for row in logons]
    activity += [_Row((row["event_uid"], "privileged_action"), row["actor_user_name"].lower(), row["event_at"],
                      load[row["event_uid"]]) for row in authentications
                 if row["activity_id"] == 1 and row["status_id"] == 1 and row["actor_user_name"] is not None
                 and row["user_uid"] is not None and re.search(PRIVILEGED_ROLE_UID_PATTERN, row["user_uid"], re.I)]
    activity += [_Row((row["event_uid"], "privileged_action"), row["user_key"], row["event_at"], load[row["event_uid"]])
                 for row in stream.landed_through("ocsf_authorize_session", batch) if row["user_key"] is not None]
    activity += [_Row((row["event_uid"], "process_launch"), row["user_key"], row["event_at"],
                      launch_load[row["event_uid"]]) for row in launches if row["user_key"] is not None]
    activity += [_Row((row["event_uid"], "api_call"), row["user_key"], row["event_at"], load[row["event_uid"]])
                 for row in stream.landed_through("ocsf_api_activity", batch) if row["user_key"] is not None]
    return {
        "int_process_launch_prevalence": [_Row(row["event_uid"], row["process"], row["event_at"],
                                               load[row["event_uid"]]) for row in launches],
        "feat_user_activity_events": activity,
        "feat_user_src_ip_authentication_events": logon_rows(
            lambda row: (row["user_key"], row["src_endpoint_ip"]), lambda row: row["src_endpoint_ip"] is not None),
        "feat_src_ip_authentication_events": logon_rows(
            lambda row: row["src_endpoint_ip"], lambda row: row["src_endpoint_ip"] is not None),
        "feat_user_country_authentication_events": logon_rows(
            lambda row: (row["user_key"], row["src_endpoint_location_country"]),
            lambda row: row["src_endpoint_location_country"] is not None),
    }


def _rows_an_arrival_changes(stream: Stream, batch: int) -> dict[str, set]:
    """Per incremental model, the rows the run after `batch` landed may
    rewrite: the arrivals are its rows carrying a load later than any it held
    (all of them when it held none), and each changes the rows of its entity
    from its time to one longest window later."""
    now, before = _model_rows(stream, batch), _model_rows(stream, batch - 1) if batch else {}
    changed = {}
    for model, window in INCREMENTAL_MODELS.items():
        held = max((row.load for row in before.get(model, [])), default=None)
        arrivals = [row for row in now[model] if held is None or row.load > held]
        changed[model] = {row.key for row in now[model] if any(
            arrival.entity == row.entity and arrival.at <= row.at < arrival.at + window for arrival in arrivals)}
    return changed


def _key_columns(model: str) -> str:
    return "event_uid, activity_kind" if model == "feat_user_activity_events" else "event_uid"


def _computed_up_to(project: DbtProject) -> dict:
    return {model: project.query(f"select max(_computed_at) from {model}")[0][0] for model in INCREMENTAL_MODELS}


def _rewritten(project: DbtProject, computed_up_to: dict) -> dict[str, set]:
    """Per incremental model, the rows the last run wrote."""
    rewritten = {}
    for model in INCREMENTAL_MODELS:
        since = computed_up_to.get(model)
        rows = project.query(f"select {_key_columns(model)} from {model}"
                             + ("" if since is None else f" where _computed_at > '{since}'"))
        rewritten[model] = {row if len(row) > 1 else row[0] for row in rows}
    return rewritten


def _reference(project: DbtProject) -> Reference:
    return reference_of(project)


def _assert_same(actual: dict, expected: dict, context: str) -> None:
    if not same(actual, expected):
        pytest.fail(f"{context}: {first_difference(actual, expected)}")


@pytest.mark.parametrize("case", list(STREAM_CASES))
def test_a_stream_landed_in_batches_equals_full_refresh_and_brute_force(feature_project, case):
    project, stream = feature_project, STREAM_CASES[case]()
    project.vars["incremental_joined_probes_max"] = JOINED_PROBES_MAX[list(STREAM_CASES).index(case) % 3]
    _reset(project)
    for batch in range(len(stream.ingested_at)):
        _land(project, stream, batch)
        computed_up_to = _computed_up_to(project) if batch else {}
        project.run("run", "--select", *FEATURE_MODELS)
        # cost what arrived: a run rewrites only the rows an arrival can change
        rewritten, expected_rewritten = _rewritten(project, computed_up_to), _rows_an_arrival_changes(stream, batch)
        for model in INCREMENTAL_MODELS:
            assert rewritten[model] == expected_rewritten[model], f"{model} after batch {batch}: " + first_difference(
                dict.fromkeys(rewritten[model]), dict.fromkeys(expected_rewritten[model]))
        reference = _reference(project)
        _assert_same(_event_rows(project), _expected_event_rows(reference), f"events after batch {batch}")
        _assert_same(_activity_rows(project), reference.at_every_activity(), f"activity after batch {batch}")
        _assert_same(_country_rows(project), reference.at_every_logon_with_a_country(),
                     f"countries after batch {batch}")
        assert _prevalence_rows(project) == process_prevalence(reference.inputs), f"after batch {batch}"
        if case in EDGE_CASE_VALUES:  # and what the hand-made cases are about, stated outright
            EDGE_CASE_VALUES[case](batch, _event_rows(project), _activity_rows(project))
    incremental = _warehouse_rows(project)

    project.execute([(
        "insert into reference.analyst_dispositions (alert_id, user_key, src_endpoint_ip, alerted_at, disposition) "
        "values (?, ?, ?, ?, ?)", list(probe.values())) for probe in stream.probes])
    project.run("run", "--select", *FEATURE_MODELS, *AS_OF_MODELS, "--full-refresh")
    _assert_same(_warehouse_rows(project), incremental, "full refresh")

    reference = _reference(project)
    latest = {row[0]: dict(zip(USER_FEATURES, row[1:])) for row in project.query(
        f"select user_key, {', '.join(USER_FEATURES)} from feat_user_latest")}
    _assert_same(latest, reference.users_as_of(AS_OF), "feat_user_latest")
    latest_src_ips = {row[0]: dict(zip(SRC_IP_FEATURES, row[1:])) for row in project.query(
        f"select src_endpoint_ip, {', '.join(SRC_IP_FEATURES)} from feat_src_ip_latest")}
    _assert_same(latest_src_ips, reference.src_ips_as_of(AS_OF), "feat_src_ip_latest")

    training = {row[0]: dict(zip(EVENT_FEATURES, row[4:])) for row in project.query(
        f"select label_id, user_key, src_endpoint_ip, label_at, {', '.join(EVENT_FEATURES)} "
        "from feat_login_training_set")}
    expected_training = {f"event:{kind}:{uid}": values
                         for (uid, kind), values in reference.at_every_scored_event().items()}
    expected_training |= {f"alert:{probe['alert_id']}": reference.event_features(
        probe["user_key"], probe["src_endpoint_ip"], probe["alerted_at"]) for probe in stream.probes}
    _assert_same(training, expected_training, "feat_login_training_set")

