"""The dbt project built in-process, checked against what plain Python reads
from the raw files and against a brute-force reference of every feature."""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

import pytest

import raw_reference
from conftest import DbtProject, simulate_landing, staged_event_counts

pytestmark = pytest.mark.dbt

WINDOWS = {"failed_logins_1h": timedelta(hours=1), "failed_logins_24h": timedelta(hours=24),
           "successful_logins_7d": timedelta(days=7), "distinct_src_ips_24h": timedelta(hours=24)}
FEATURES = list(WINDOWS)


# ---------------------------------------------------------------- references


def reference_features(events: list[tuple], as_of: datetime | None = None) -> dict:
    """Brute force, straight from the boundary rule t - window < e <= t.
    events: (event_uid, user_key, event_at, status_id, src_ip). Returns
    {event_uid: {feature: value}} at each event, or {user: {...}} as of a time."""
    by_user = defaultdict(list)
    for uid, user, at, status, ip in events:
        by_user[user].append((at, status, ip, uid))

    def values(history, t):
        def inside(window):
            return [e for e in history if t - window < e[0] <= t]
        return {
            "failed_logins_1h": sum(1 for e in inside(WINDOWS["failed_logins_1h"]) if e[1] == 2),
            "failed_logins_24h": sum(1 for e in inside(WINDOWS["failed_logins_24h"]) if e[1] == 2),
            "successful_logins_7d": sum(1 for e in inside(WINDOWS["successful_logins_7d"]) if e[1] == 1),
            "distinct_src_ips_24h": len({e[2] for e in inside(WINDOWS["distinct_src_ips_24h"]) if e[2] is not None}),
        }

    result = {}
    for user, history in by_user.items():
        if as_of is None:
            for at, _, _, uid in history:
                result[uid] = values(history, at)
        elif min(e[0] for e in history) <= as_of:
            result[user] = values(history, as_of)
    return result


def feature_rows(project: DbtProject) -> dict:
    rows = project.query(f"select event_uid, {', '.join(FEATURES)} from feat_user_authentication_events")
    return {row[0]: dict(zip(FEATURES, row[1:])) for row in rows}


def ocsf_events(project: DbtProject) -> list[tuple]:
    return project.query(
        "select event_uid, user_key, event_at, status_id, src_endpoint_ip from ocsf_authentication "
        "where activity_id = 1"
    )


# ---------------------------------------------------------------- the demo build


def test_every_raw_record_is_accounted_for(demo_build):
    """Per landed file: raw records = staged + duplicate + quarantined + ignored."""
    landing = Path(demo_build.vars["landing_dir"])
    audited = dict(demo_build.query("select source_file, sum(record_count)::bigint from landing_audit group by 1"))
    expected = raw_reference.raw_record_counts(landing)
    assert len(expected) == 5 * 3  # five sources, three days
    assert audited == expected


@pytest.mark.parametrize("source", list(raw_reference.READERS))
def test_staged_events_match_an_independent_read_of_the_raw_files(demo_build, source):
    expected = raw_reference.expected_events(Path(demo_build.vars["landing_dir"]), source)
    assert sum(expected.values()) > 100
    assert staged_event_counts(demo_build, source) == expected


def test_event_grain_features_equal_the_brute_force_reference(demo_build):
    expected = reference_features(ocsf_events(demo_build))
    actual = feature_rows(demo_build)
    assert len(actual) == len(expected) > 1000
    mismatched = [uid for uid in expected if actual.get(uid) != expected[uid]]
    assert not mismatched, f"{len(mismatched)} rows differ, e.g. {actual.get(mismatched[0])} != {expected[mismatched[0]]}"


def test_entity_latest_features_equal_the_reference_as_of_the_var(demo_build):
    as_of = datetime.fromisoformat(demo_build.vars["as_of"])
    expected = reference_features(ocsf_events(demo_build), as_of=as_of)
    rows = demo_build.query(f"select user_key, as_of_at, {', '.join(FEATURES)} from feat_user_latest")
    assert {row[1] for row in rows} == {as_of}
    assert {row[0]: dict(zip(FEATURES, row[2:])) for row in rows} == expected


def test_a_second_build_with_nothing_new_changes_nothing(demo_build):
    before = feature_rows(demo_build)
    demo_build.run("build", "--select", "feat_user_authentication_events")
    assert feature_rows(demo_build) == before


def test_alerts_come_from_the_registered_model(demo_build):
    (name, version), = demo_build.query("select model_name, model_version from ml_login_model_training")
    alerts = demo_build.query("select model_name, model_version, min(score), count(*) from ml_login_alerts group by 1, 2")
    assert alerts and all(row[:2] == (name, version) for row in alerts)
    from secfeat import ml
    pipeline = ml.load_registered(demo_build.vars["mlflow_tracking_dir"], name, version)
    assert list(pipeline.feature_names_in_) == ml.LOGIN_FEATURES


def test_docs_document_every_model_and_column(demo_build):
    demo_build.run("docs", "generate")
    target = demo_build.workdir / "target"
    manifest = json.loads((target / "manifest.json").read_text())
    catalog = json.loads((target / "catalog.json").read_text())
    missing = []
    for unique_id, node in manifest["nodes"].items():
        if node["resource_type"] not in ("model", "snapshot", "seed") or node["package_name"] != "secfeat":
            continue
        if not node["description"].strip():
            missing.append(f"{unique_id} (model)")
        documented = {name.lower() for name, column in node["columns"].items() if column["description"].strip()}
        for column in catalog["nodes"].get(unique_id, {}).get("columns", {}):
            if column.lower() not in documented:
                missing.append(f"{unique_id}.{column}")
    assert not missing, missing


# ---------------------------------------------------------------- incremental, with late events


def test_incremental_builds_with_late_files_equal_a_full_refresh(tmp_path):
    """Files land one day at a time (each day's file holds some events of the
    day before); after each incremental build the feature table must equal the
    brute-force reference, and at the end a full refresh."""
    complete = tmp_path / "complete"
    simulate_landing(complete, days=4, events_per_day=2500, seed=9, end="2026-04-01")
    landing = tmp_path / "landing"
    incremental = DbtProject(tmp_path / "incremental", landing)
    selection = ("build", "--select", "+feat_user_authentication_events", "--exclude", "test_type:unit",
                 "--indirect-selection", "cautious")
    for day in sorted(p.name.split("_")[1] for p in (complete / "windows").iterdir()):
        for source in raw_reference.READERS:
            (landing / source).mkdir(parents=True, exist_ok=True)
            for path in (complete / source).glob(f"*_{day}.*"):
                shutil.copy2(path, landing / source / path.name)  # keeps the landing time
        incremental.run(*selection)
        expected = reference_features(ocsf_events(incremental))
        assert feature_rows(incremental) == expected, f"after landing {day}"

    full = DbtProject(tmp_path / "full", landing)
    full.run(*selection, "--full-refresh")
    assert feature_rows(full) == feature_rows(incremental)


def test_the_same_file_landed_twice_adds_no_events(tmp_path):
    landing = tmp_path / "landing"
    simulate_landing(landing, days=2, events_per_day=1500, seed=2, end="2026-05-01")
    project = DbtProject(tmp_path / "wh", landing)
    selection = ("build", "--select", "+feat_user_authentication_events", "+landing_audit",
                 "--exclude", "test_type:unit", "--indirect-selection", "cautious")
    project.run(*selection)
    before = feature_rows(project)
    staged_before = {source: staged_event_counts(project, source) for source in raw_reference.READERS}
    for path in list(landing.glob("*/*")):
        shutil.copy2(path, path.with_name("redelivered_" + path.name))
    project.run(*selection)
    assert feature_rows(project) == before
    assert {source: staged_event_counts(project, source) for source in raw_reference.READERS} == staged_before
    # every record that was staged now stands in two files: one copy staged, the other a duplicate
    outcomes = dict(project.query("select outcome, sum(record_count)::bigint from landing_audit group by 1"))
    assert outcomes["duplicate"] == outcomes["staged"] > 0
