"""Point in time: the training set sees only what was knowable at each label's
time, and the snapshot records what the warehouse knew when."""

from __future__ import annotations

import csv
import random
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from conftest import PROJECT_ROOT, DbtProject
from feature_reference import EVENT_FEATURES, USER_FEATURES, first_difference, reference_of, same
from secfeat import ml
from secfeat.cli import project_vars
from secfeat.warehouse import connect_build

pytestmark = pytest.mark.dbt

TRAINING_COLUMNS = ("label_id", "label_source", "activity_kind", "user_key", "src_endpoint_ip", "label_at",
                    "is_positive", *EVENT_FEATURES)
TRAINING_INPUTS = ("int_process_launch_prevalence", "int_located_logons", "int_user_activity_events",
                   "feat_login_training_set")
OCSF_TABLES = ("ocsf_authentication", "ocsf_authorize_session", "ocsf_process_activity", "ocsf_api_activity")


def _training_rows(project: DbtProject) -> dict:
    rows = project.query(f"select {', '.join(TRAINING_COLUMNS)} from feat_login_training_set")
    return {row[0]: dict(zip(TRAINING_COLUMNS[1:], row[1:])) for row in rows}


def _copy_of(project: DbtProject, workdir: Path, **vars_) -> DbtProject:
    """A second warehouse holding the same data, to change without touching the original."""
    con = connect_build(project.database)
    con.execute("checkpoint")
    con.close()
    workdir.mkdir(parents=True)
    kept = {name: value for name, value in project.vars.items() if name not in ("landing_dir", "mlflow_tracking_dir")}
    copy = DbtProject(workdir, Path(project.vars["landing_dir"]), **{**kept, **vars_})
    shutil.copy2(project.database, copy.database)
    return copy


def _incidents(landing: Path) -> list[dict]:
    with (landing / "incidents.csv").open() as file:
        return [{**row, "entity": row["entity"].lower(), # vendors log whole seconds at worst: the window opens at the start's second
                 "start_at": datetime.fromisoformat(row["start_at"]).replace(microsecond=0),
                 "end_at": datetime.fromisoformat(row["end_at"])} for row in csv.DictReader(file)]


def test_training_rows_equal_the_reference_as_of_each_label_time(demo_build):
    """Every positive and every analyst label, the negatives the hash keeps at
    the default rate, each with the reference's values as of its label time:
    incident labels at everything a user did, as the model scores it."""
    reference = reference_of(demo_build)
    incidents = _incidents(Path(demo_build.vars["landing_dir"]))
    rows = _training_rows(demo_build)
    activities = {f"event:{activity.kind}:{activity.uid}": activity for activity in reference.inputs.activities()}
    dispositions = {f"alert:{alert_id}": (user, ip, at, disposition) for alert_id, user, ip, at, disposition in
                    demo_build.query("select alert_id, lower(user_key), src_endpoint_ip, alerted_at, disposition "
                                     "from reference.analyst_dispositions")}

    def in_incident(activity):
        return any(incident["start_at"] <= activity.at <= incident["end_at"] and incident["entity"] == (
            activity.user if incident["entity_type"] == "user" else activity.ip) for incident in incidents)

    rate = float(project_vars(PROJECT_ROOT)["training_negative_sample_rate"])
    assert rate < 1  # the default samples: else this test would not see the sampling
    positives = {label for label, activity in activities.items() if in_incident(activity)}
    negatives = sorted(activities.keys() - positives)
    kept = {label for label, keep in zip(negatives, ml.sampled_in(negatives, rate)) if keep}
    assert rows.keys() == positives | kept | dispositions.keys()
    assert positives and abs(len(kept) / len(negatives) - rate) < 0.25 * rate

    positives = 0
    for label_id, row in rows.items():
        if label_id in activities:
            activity = activities[label_id]
            expected = {"label_source": "incident", "activity_kind": activity.kind, "user_key": activity.user,
                        "src_endpoint_ip": activity.ip, "label_at": activity.at, "is_positive": in_incident(activity),
                        **reference.scored_features(activity)}
        else:
            user, ip, at, disposition = dispositions[label_id]
            expected = {"label_source": "analyst_disposition", "activity_kind": None, "user_key": user,
                        "src_endpoint_ip": ip, "label_at": at, "is_positive": disposition == "true_positive",
                        **reference.event_features(user, ip, at)}
        assert same(row, expected), f"{label_id}: {first_difference(row, expected)}"
        positives += row["is_positive"]
    assert 0 < positives < len(rows)
    assert {activity.kind for label, activity in activities.items() if label in rows and in_incident(activity)} \
        == {"logon", "privileged_action", "process_launch", "api_call"}  # attacks beyond logons are labelled


def test_training_features_never_depend_on_events_after_the_label_time(demo_build, tmp_path):
    """Rebuild the training set from a warehouse that lost every event after a
    cutoff: each label at or before the cutoff must keep exactly its values.
    Analyst labels at random times (and exactly at events) join in."""
    project = _copy_of(demo_build, tmp_path / "leakage", training_negative_sample_rate=1)  # every logon
    rng = random.Random(4)
    event_times = [row[0] for row in project.query("select event_at from ocsf_authentication where activity_id = 1")]
    users = [row[0] for row in project.query("select distinct user_key from int_user_activity_events")]
    ips = [row[0] for row in project.query("select distinct src_endpoint_ip from ocsf_authentication")]
    probes = [(f"leak-{n}", rng.choice(users), rng.choice(ips), rng.choice(event_times) + rng.choice(
        (timedelta(0), timedelta(minutes=rng.randint(1, 3000)))), "false_positive") for n in range(300)]
    project.execute([("insert into reference.analyst_dispositions "
                      "(alert_id, user_key, src_endpoint_ip, alerted_at, disposition) values (?, ?, ?, ?, ?)",
                      list(probe)) for probe in probes])
    project.run("run", "--full-refresh", "--select", *TRAINING_INPUTS)
    everything = _training_rows(project)

    first, last = min(event_times), max(event_times)
    for cutoff in sorted((first + (last - first) * rng.uniform(0.3, 0.9) for _ in range(2)), reverse=True):
        project.execute([(f"delete from {table} where event_at > ?", [cutoff]) for table in OCSF_TABLES])
        project.run("run", "--full-refresh", "--select", *TRAINING_INPUTS)
        known_then = _training_rows(project)
        expected = {label: row for label, row in everything.items() if row["label_at"] <= cutoff}
        assert len(expected) > 1000 and sum(label.startswith("alert:") for label in expected) > 50
        assert {label: known_then.get(label) for label in expected} == expected, f"cutoff {cutoff}"


def test_negatives_are_sampled_by_label_id_the_same_every_time(demo_build, tmp_path):
    """The same rows on every build, a logon keeps its fate at a higher rate
    (the rows of rate 0.1 are among those of 0.5), every positive is kept."""
    project = _copy_of(demo_build, tmp_path / "sampling", training_negative_sample_rate=0.5)
    labels = {}
    for build in ("first", "again"):
        project.run("run", "--select", "feat_login_training_set")
        labels[build] = {label: positive for label, positive in project.query(
            "select label_id, is_positive from feat_login_training_set")}
    assert labels["first"] == labels["again"]
    at_default = _training_rows(demo_build)
    assert at_default.keys() <= labels["first"].keys()
    assert {label for label, row in at_default.items() if row["is_positive"]} == {
        label for label, positive in labels["first"].items() if positive}
    negatives = [label for label, positive in labels["first"].items()
                 if not positive and label.startswith("event:")]
    assert ml.sampled_in(negatives, 0.5).all()
    (in_incidents,), = project.query("select count(*) from ml_incident_activity")
    assert in_incidents == sum(labels["first"].values()) - sum(
        row["is_positive"] for label, row in at_default.items() if label.startswith("alert:"))


def test_the_snapshot_records_what_the_warehouse_knew_when(demo_build, tmp_path):
    """Builds as of three successive times, each followed by a snapshot: the
    current rows are always the latest build, no user's ranges overlap, and
    each range's values are the reference as of the build that opened it."""
    as_of_end = datetime.fromisoformat(demo_build.vars["as_of"])
    builds = [as_of_end - timedelta(hours=36), as_of_end - timedelta(hours=12), as_of_end]
    reference = reference_of(demo_build)
    project = None
    for number, as_of in enumerate(builds):
        if project is None:
            project = _copy_of(demo_build, tmp_path / "snapshots", as_of=str(as_of))
            project.execute(["delete from snapshots.snap_user_latest_features"])
        else:
            project.vars["as_of"] = str(as_of)
        project.run("run", "--select", "feat_user_latest")
        project.run("snapshot")
        current = {row[0]: dict(zip(USER_FEATURES, row[1:])) for row in project.query(
            f"select user_key, {', '.join(USER_FEATURES)} from snapshots.snap_user_latest_features "
            "where dbt_valid_to is null")}
        expected = reference.users_as_of(as_of)
        assert same(current, expected), f"after build {number}: {first_difference(current, expected)}"
    project.run("test", "--select", "snap_user_latest_features")

    history = project.query(f"select user_key, as_of_at, dbt_valid_from, dbt_valid_to, {', '.join(USER_FEATURES)} "
                            "from snapshots.snap_user_latest_features order by user_key, dbt_valid_from")
    assert len(history) > len(current)  # windows moved, so values changed between builds
    for user_key, as_of_at, valid_from, valid_to, *values in history:
        assert same(dict(zip(USER_FEATURES, values)), reference.user_features(user_key, as_of_at)), (user_key, as_of_at)
        assert valid_to is None or valid_from < valid_to

    # the no-overlap test can fail: stretch one closed range over its successor
    project.execute(["update snapshots.snap_user_latest_features "
                     "set dbt_valid_to = dbt_valid_to + interval 1 second "
                     "where dbt_scd_id = (select min(dbt_scd_id) from snapshots.snap_user_latest_features "
                     "where dbt_valid_to is not null)"])
    failures = project.attempt("test", "--select", "snap_user_latest_features")
    assert failures and any("mutually_exclusive_ranges" in str(name) for name, _ in failures), failures
