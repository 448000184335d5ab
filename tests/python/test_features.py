"""The feature layer proven on randomized event streams.

Each stream is written straight into the OCSF tables the features read (so
the test controls every timestamp), landed in several random batches with an
incremental dbt run after each, and must then equal a brute-force reference
computed in plain Python (feature_reference.py), and a full refresh. The same
streams check the as-of grain (entity-latest and training-set rows at random
probe times) against the same reference."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest

from conftest import DbtProject
from secfeat import contract
from feature_reference import EVENT_FEATURES, USER_FEATURES, Reference, process_prevalence, reference_of

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

INCREMENTAL_MODELS = ("int_process_launch_prevalence", "feat_user_authentication_events",
                      "feat_user_src_ip_authentication_events", "feat_src_ip_authentication_events")
FEATURE_MODELS = (*INCREMENTAL_MODELS, "int_user_activity_events", "feat_authentication_events")
AS_OF_MODELS = ("feat_user_latest", "feat_src_ip_latest", "feat_login_training_set")
INPUT_TABLES = ("ocsf_authentication", "ocsf_authorize_session", "ocsf_process_activity", "reference.analyst_dispositions")


# ---------------------------------------------------------------- random streams


@dataclass
class Stream:
    """OCSF rows per table, each with the batch it lands in."""
    rows: dict[str, list[dict]] = field(default_factory=lambda: {table: [] for table in INPUT_TABLES[:3]})
    batch_of: dict[str, int] = field(default_factory=dict)
    ingested_at: list[datetime] = field(default_factory=list)  # each batch's file time (may repeat)
    probes: list[dict] = field(default_factory=list)

    def landed(self, table: str, batch: int) -> list[dict]:
        return [row for row in self.rows[table] if self.batch_of[row["event_uid"]] == batch]


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
    for number, at in enumerate(_event_times(rng, rng.randint(20, 70))):
        uid = f"s{seed}-e{number}"
        kind = rng.choices(("logon", "logoff", "privilege", "role", "launch", "exit"), (50, 5, 10, 10, 20, 5))[0]
        user = rng.choice(users)
        if kind in ("logon", "logoff"):
            stream.rows["ocsf_authentication"].append({
                "event_uid": uid, "activity_id": 1 if kind == "logon" else 2,
                "user_key": None if rng.random() < 0.05 else user,
                "src_endpoint_ip": rng.choice(ips), "src_endpoint_location_country": rng.choice(countries),
                "status_id": rng.choice((1, 1, 2, 2, 99)), "event_at": at,
                "actor_user_name": None, "user_uid": None,
            })
        elif kind == "role":
            stream.rows["ocsf_authentication"].append({
                "event_uid": uid, "activity_id": 1, "user_key": f"{user}-session",
                "src_endpoint_ip": rng.choice(ips), "src_endpoint_location_country": None,
                "status_id": rng.choice((1, 1, 2)), "event_at": at,
                "actor_user_name": user.upper(),
                "user_uid": f"arn:aws:iam::1:role/{rng.choice(('PlatformAdmin', 'ReadOnly', 'administratoraccess'))}",
            })
        elif kind == "privilege":
            stream.rows["ocsf_authorize_session"].append({
                "event_uid": uid, "user_key": user, "status_id": 1, "event_at": at})
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
        {"event_uid": "logon-1", "activity_id": 1, "user_key": "alice", "src_endpoint_ip": "10.0.0.1",
         "src_endpoint_location_country": None, "status_id": 1, "event_at": at + timedelta(minutes=1),
         "actor_user_name": None, "user_uid": None},
        # moves the watermark past alice's batch
        {"event_uid": "logon-2", "activity_id": 1, "user_key": "carol", "src_endpoint_ip": "10.0.0.2",
         "src_endpoint_location_country": None, "status_id": 1, "event_at": at + timedelta(minutes=30),
         "actor_user_name": None, "user_uid": None},
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
        return {"event_uid": uid, "activity_id": 1, "user_key": "alice", "src_endpoint_ip": ip,
                "src_endpoint_location_country": "US", "status_id": status, "event_at": when,
                "actor_user_name": None, "user_uid": None}

    stream = Stream()
    stream.rows["ocsf_authentication"] = [
        logon("early", at), logon("edge", at + timedelta(days=7)), logon("inside", at + timedelta(hours=3)),
        logon("recent", at + timedelta(days=40)), logon("now", at + timedelta(days=41)),
        logon("late", at + timedelta(minutes=30), status=1, ip="10.0.0.2"),
    ]
    stream.batch_of = {"early": 0, "edge": 0, "inside": 0, "recent": 0, "now": 1, "late": 1}
    stream.ingested_at = [at + timedelta(days=40, hours=1), at + timedelta(days=41, hours=1)]
    return stream


STREAM_CASES = {**{f"random-{seed}": lambda seed=seed: random_stream(seed) for seed in range(STREAMS)},
                "late-launches-make-a-process-common": late_launches_make_a_process_common,
                "late-logon-older-than-the-longest-window": late_logon_older_than_the_longest_window}


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
                         training_negative_sample_rate=1)  # the training set labels every logon
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
    rows = project.query(f"select event_uid, {', '.join(EVENT_FEATURES)} from feat_authentication_events")
    return {row[0]: dict(zip(EVENT_FEATURES, row[1:])) for row in rows}


def _prevalence_rows(project: DbtProject) -> dict:
    return dict(project.query("select event_uid, devices_launching_process_30d from int_process_launch_prevalence"))


def _rows_an_arrival_changes(project: DbtProject, loaded_up_to) -> set[str]:
    """The logons an incremental run of the user features may recompute: those
    of an entity with a row loaded after `loaded_up_to` (the latest load the
    model held), from that row's time to one longest window (7 days) later."""
    rows = project.query("select event_uid, activity_kind, user_key, event_at, _loaded_at from int_user_activity_events")
    arrivals = [(user, at) for _, _, user, at, loaded in rows if loaded_up_to is None or loaded > loaded_up_to]
    return {uid for uid, kind, user, at, _ in rows if kind == "logon" and any(
        user == arrived_user and arrived_at <= at < arrived_at + timedelta(days=7)
        for arrived_user, arrived_at in arrivals)}


def _reference(project: DbtProject) -> Reference:
    return reference_of(project)


def _first_difference(actual: dict, expected: dict) -> str:
    missing, extra = expected.keys() - actual.keys(), actual.keys() - expected.keys()
    wrong = [key for key in expected.keys() & actual.keys() if actual[key] != expected[key]]
    example = wrong[0] if wrong else None
    return (f"{len(missing)} missing, {len(extra)} extra, {len(wrong)} wrong"
            + (f"; {example}: {actual[example]} != {expected[example]}" if example else ""))


@pytest.mark.parametrize("case", list(STREAM_CASES))
def test_a_stream_landed_in_batches_equals_full_refresh_and_brute_force(feature_project, case):
    project, stream = feature_project, STREAM_CASES[case]()
    project.vars["incremental_joined_probes_max"] = JOINED_PROBES_MAX[list(STREAM_CASES).index(case) % 3]
    _reset(project)
    for batch in range(len(stream.ingested_at)):
        _land(project, stream, batch)
        loaded_up_to, computed_up_to = project.query(
            "select max(_loaded_at), max(_computed_at) from feat_user_authentication_events")[0] \
            if batch else (None, None)
        project.run("run", "--select", *FEATURE_MODELS)
        # cost what arrived: a run rewrites only the rows an arrival can change
        recomputed = {uid for uid, in project.query(
            "select event_uid from feat_user_authentication_events"
            + ("" if computed_up_to is None else f" where _computed_at > '{computed_up_to}'"))}
        assert recomputed == _rows_an_arrival_changes(project, loaded_up_to), f"after batch {batch}"
        reference = _reference(project)
        expected = reference.at_every_logon()
        actual = _event_rows(project)
        assert actual == expected, f"after batch {batch}: {_first_difference(actual, expected)}"
        assert _prevalence_rows(project) == process_prevalence(reference.inputs), f"after batch {batch}"
    incremental = _event_rows(project), _prevalence_rows(project)

    project.execute([(
        "insert into reference.analyst_dispositions (alert_id, user_key, src_endpoint_ip, alerted_at, disposition) "
        "values (?, ?, ?, ?, ?)", list(probe.values())) for probe in stream.probes])
    project.run("run", "--select", *FEATURE_MODELS, *AS_OF_MODELS, "--full-refresh")
    assert (_event_rows(project), _prevalence_rows(project)) == incremental

    reference = _reference(project)
    latest = {row[0]: dict(zip(USER_FEATURES, row[1:])) for row in project.query(
        f"select user_key, {', '.join(USER_FEATURES)} from feat_user_latest")}
    assert latest == reference.users_as_of(AS_OF)
    assert dict(project.query("select src_endpoint_ip, distinct_users_failed_1h from feat_src_ip_latest")) \
        == reference.src_ips_as_of(AS_OF)

    training = {row[0]: dict(zip(EVENT_FEATURES, row[4:])) for row in project.query(
        f"select label_id, user_key, src_endpoint_ip, label_at, {', '.join(EVENT_FEATURES)} "
        "from feat_login_training_set")}
    expected_training = {f"event:{uid}": values for uid, values in reference.at_every_logon().items()}
    expected_training |= {f"alert:{probe['alert_id']}": reference.event_features(
        probe["user_key"], probe["src_endpoint_ip"], probe["alerted_at"]) for probe in stream.probes}
    assert training == expected_training, _first_difference(training, expected_training)

