"""The dbt project built in-process, checked against what plain Python reads
from the raw files and against a brute-force reference of every feature."""

from __future__ import annotations

import copy
import hashlib
import json
import shutil
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

import raw_reference
from secfeat.simulate.renderers import SOURCES as SIMULATED_SOURCES  # every vendor the demo writes; no OCSF
from conftest import DbtProject, simulate_landing, staged_event_counts
from feature_reference import (COUNTRY_FEATURES, EVENT_FEATURES, SRC_IP_FEATURES, USER_FEATURES, first_difference,
                               reference_of, same)

pytestmark = pytest.mark.dbt

# what an incremental run of the event-grain features builds, views and the travel speeds they read included
EVENT_GRAIN_MODELS = ("int_process_launch_prevalence", "int_located_logons", "int_user_activity_events",
                      "feat_user_activity_events", "feat_user_authentication_events",
                      "feat_user_src_ip_authentication_events", "feat_src_ip_authentication_events",
                      "feat_user_country_authentication_events", "feat_authentication_events",
                      "feat_activity_events")


def feature_rows(project: DbtProject) -> dict:
    """feat_authentication_events: the model's features and the country's."""
    columns = (*EVENT_FEATURES, *COUNTRY_FEATURES)
    rows = project.query(f"select event_uid, {', '.join(columns)} from feat_authentication_events")
    return {row[0]: dict(zip(columns, row[1:])) for row in rows}


def activity_rows(project: DbtProject) -> dict:
    """feat_user_activity_events: the user features at everything a user did."""
    rows = project.query(f"select event_uid, activity_kind, {', '.join(USER_FEATURES)} from feat_user_activity_events")
    return {(row[0], row[1]): dict(zip(USER_FEATURES, row[2:])) for row in rows}


def assert_same(actual: dict, expected: dict, context: str = "") -> None:
    if not same(actual, expected):
        pytest.fail(f"{context}: {first_difference(actual, expected)}")


# ---------------------------------------------------------------- the demo build


def test_every_raw_record_is_accounted_for(demo_build):
    """Per landed file: raw records = staged + duplicate + quarantined + ignored."""
    landing = Path(demo_build.vars["landing_dir"])
    audited = dict(demo_build.query("select source_file, sum(record_count)::bigint from landing_audit group by 1"))
    expected = raw_reference.raw_record_counts(landing)
    assert len(expected) == len(SIMULATED_SOURCES) * 3  # every simulated source, three days
    # and the generator's ground truth beside them, counted, not read as logs
    assert audited == {**expected, str(landing / "incidents.csv"): 1}


@pytest.mark.parametrize("source", SIMULATED_SOURCES)
def test_staged_events_match_an_independent_read_of_the_raw_files(demo_build, source):
    expected = raw_reference.expected_events(Path(demo_build.vars["landing_dir"]), source)
    assert sum(expected.values()) > 100
    assert staged_event_counts(demo_build, source) == expected


def test_event_grain_features_equal_the_brute_force_reference_of(demo_build):
    """Every feature at every logon (the country's too), at everything a user
    did (the user's, and the model's whole vector), and at every logon with a
    country, as the reference computes them."""
    reference = reference_of(demo_build)
    expected, actual = reference.at_every_logon(with_country=True), feature_rows(demo_build)
    assert len(actual) == len(expected) > 1000
    assert_same(actual, expected, "feat_authentication_events")
    activity = activity_rows(demo_build)
    assert {kind for _, kind in activity} == {"logon", "privileged_action", "process_launch", "api_call"}
    assert_same(activity, reference.at_every_activity(), "feat_user_activity_events")
    scored = {(row[0], row[1]): dict(zip(EVENT_FEATURES, row[2:])) for row in demo_build.query(
        f"select event_uid, activity_kind, {', '.join(EVENT_FEATURES)} from feat_activity_events")}
    assert_same(scored, reference.at_every_scored_event(), "feat_activity_events")
    countries = dict(demo_build.query(
        "select event_uid, is_new_country_30d from feat_user_country_authentication_events"))
    assert_same(countries, reference.at_every_logon_with_a_country(), "feat_user_country_authentication_events")


def test_the_demo_exercises_every_feature(demo_build):
    """The demo's data reaches every feature (none is all zero or null, at the
    logons or at the other activity), and is_new_country_30d reads true, false
    and null: the equalities above compare something."""
    logons, activity = feature_rows(demo_build), activity_rows(demo_build)
    for feature in EVENT_FEATURES:
        assert any(row[feature] for row in logons.values()), feature
    for feature in USER_FEATURES:
        assert any(row[feature] for row in activity.values()), feature
    assert {True, False, None} <= {row["is_new_country_30d"] for row in logons.values()}


def test_entity_latest_features_equal_the_reference_as_of_the_var(demo_build):
    as_of = datetime.fromisoformat(demo_build.vars["as_of"])
    expected = reference_of(demo_build)
    rows = demo_build.query(f"select user_key, as_of_at, {', '.join(USER_FEATURES)} from feat_user_latest")
    assert {row[1] for row in rows} == {as_of}
    assert_same({row[0]: dict(zip(USER_FEATURES, row[2:])) for row in rows}, expected.users_as_of(as_of),
                "feat_user_latest")
    assert_same({row[0]: dict(zip(SRC_IP_FEATURES, row[1:])) for row in demo_build.query(
        f"select src_endpoint_ip, {', '.join(SRC_IP_FEATURES)} from feat_src_ip_latest")},
        expected.src_ips_as_of(as_of), "feat_src_ip_latest")


def test_a_second_build_with_nothing_new_changes_nothing(demo_build):
    before = feature_rows(demo_build), activity_rows(demo_build)
    computed = demo_build.query("select max(_computed_at) from feat_authentication_events")
    demo_build.run("build", "--select", *EVENT_GRAIN_MODELS)
    assert (feature_rows(demo_build), activity_rows(demo_build)) == before
    assert demo_build.query("select max(_computed_at) from feat_authentication_events") == computed


def _last_invocation_id(project: DbtProject) -> str:
    return json.loads((project.workdir / "target" / "run_results.json").read_text())["metadata"]["invocation_id"]


def test_training_logs_its_run_and_registers_a_candidate(demo_build):
    from secfeat import registry

    (name, version, definitions_version, invocation), = demo_build.query(
        "select model_name, model_version, feature_definitions_version, dbt_invocation_id from ml_login_model_training")
    (definitions,), = demo_build.query("select feature_definitions from ml_login_feature_definitions")
    assert definitions_version == hashlib.md5(definitions.encode()).hexdigest()
    logged = registry.describe_version(demo_build.vars["mlflow_tracking_dir"], name, version)
    assert logged.params["features"] == ",".join(EVENT_FEATURES)
    assert logged.params["algorithm"] == "gradient_boosting"
    assert logged.params["train_from"] < logged.params["train_until"] < logged.params["eval_from"]
    for metric in ("eval_roc_auc", "eval_precision_at_100", "eval_incident_recall"):
        assert 0 <= logged.metrics[metric] <= 1, metric
    import mlflow

    run = mlflow.MlflowClient().get_run(logged.run_id)
    assert run.data.tags["feature_definitions_version"] == definitions_version
    assert run.data.tags["dbt_invocation_id"] == invocation
    assert json.loads(mlflow.artifacts.load_text(f"{run.info.artifact_uri}/feature_definitions.json")) \
        == json.loads(definitions)


def test_the_models_signals_are_the_champions_scores_at_the_threshold(demo_build):
    from secfeat import ml, registry

    pipeline, champion = registry.load_champion(demo_build.vars["mlflow_tracking_dir"], "secfeat_login_risk")
    assert ml.pipeline_features(pipeline) == list(EVENT_FEATURES)
    history = "select signal_id, first_seen_at, last_changed_at, withdrawn_at from signals"
    before = sorted(demo_build.query(history))
    # a second run with nothing new scores nothing and changes no signal
    demo_build.run("run", "--select", "ml_login_scores", "signals")
    assert sorted(demo_build.query(history)) == before
    rows = demo_build.query("select event_uid, score, model_version from signals "
                            "where detection = 'login_risk_model' and withdrawn_at is null")
    assert rows, "the demo build signalled nothing"
    assert {row[2] for row in rows} == {champion.version}
    # the same events, recomputed from the feature table with the champion loaded by alias
    events = demo_build.query_frame("select * from feat_activity_events")
    scores = ml.risk_scores(pipeline, events)
    expected = {uid: round(score, 9) for uid, score in zip(events["event_uid"], scores) if score >= 0.9}
    assert {uid: round(score, 9) for uid, score, _ in rows} == expected


def test_retraining_registers_a_version_but_never_promotes(demo_build):
    from secfeat import registry

    tracking = demo_build.vars["mlflow_tracking_dir"]
    champion = registry.champion(tracking, "secfeat_login_risk").version
    demo_build.run("run", "--select", "ml_login_model_training", "tag:uses_champion")
    (version, invocation), = demo_build.query("select model_version, dbt_invocation_id from ml_login_model_training")
    assert int(version) > int(champion)
    # a second run (partial parsing reuses the parsed project) must stamp its own invocation id
    assert invocation == _last_invocation_id(demo_build)
    assert registry.champion(tracking, "secfeat_login_risk").version == champion
    assert {row[0] for row in demo_build.query(
        "select model_version from signals where detection = 'login_risk_model'")} == {champion}


def test_scoring_without_a_champion_fails_and_says_what_to_run(demo_build, tmp_path):
    project = copy.copy(demo_build)
    project.vars = {**demo_build.vars, "mlflow_tracking_dir": str(tmp_path / "empty_mlruns")}
    failures = project.attempt("run", "--select", "ml_login_scores")
    assert failures and "secfeat promote" in str(failures) and "secfeat train" in str(failures)


def test_monitoring_compares_the_training_window_with_the_latest(demo_build):
    from secfeat import ml

    rows = demo_build.query_frame("select * from ml_login_monitoring")
    distribution = rows[rows["check_name"] == "distribution"].set_index("subject")
    assert set(distribution.index) == {*EVENT_FEATURES, "score"}
    assert set(rows.loc[rows["check_name"] == "volume", "subject"]) == set(SIMULATED_SOURCES)
    reference_from, reference_until = rows["reference_from"].iloc[0], rows["reference_until"].iloc[0]
    latest_from, latest_until = rows["latest_from"].iloc[0], rows["latest_until"].iloc[0]
    events = demo_build.query_frame("select * from feat_activity_events")
    reference = events[events["event_at"].between(reference_from, reference_until)]
    latest = events[events["event_at"] > latest_from]
    assert latest_until == events["event_at"].max()
    compared = 0
    for feature in EVENT_FEATURES:  # the model's PSI is the function's on the same windows, warm-up left out
        kept = reference[reference["event_at"] >= distribution.loc[feature, "comparable_from"]]
        if kept.empty:  # its windows never filled in the training window: not compared
            assert pd.isna(distribution.loc[feature, "psi"]), feature
            continue
        compared += 1
        assert distribution.loc[feature, "psi"] == pytest.approx(ml.psi(
            ml.feature_frame(kept, [feature])[feature].to_numpy(),
            ml.feature_frame(latest, [feature])[feature].to_numpy()))
    assert compared
    meta = demo_build.query("select check_name, subject from ml_login_meta_alerts")
    over = rows[rows["is_meta_alert"]]
    assert sorted(meta) == sorted(zip(over["check_name"], over["subject"]))
    assert (over["psi"].fillna(0) > 0.2).sum() + (over["check_name"] == "volume").sum() == len(over)


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
    selection = ("build", "--select", "+feat_authentication_events", "--exclude", "test_type:unit",
                 "--indirect-selection", "cautious")
    for day in sorted(p.name.split("_")[1] for p in (complete / "windows").iterdir()):
        for source in raw_reference.READERS:
            (landing / source).mkdir(parents=True, exist_ok=True)
            for path in (complete / source).glob(f"*_{day}.*"):
                shutil.copy2(path, landing / source / path.name)  # keeps the landing time
        incremental.run(*selection)
        reference = reference_of(incremental)
        assert_same(feature_rows(incremental), reference.at_every_logon(with_country=True), f"after landing {day}")
        assert_same(activity_rows(incremental), reference.at_every_activity(), f"activity after landing {day}")

    full = DbtProject(tmp_path / "full", landing)
    full.run(*selection, "--full-refresh")
    assert_same(feature_rows(full), feature_rows(incremental), "full refresh")
    assert_same(activity_rows(full), activity_rows(incremental), "full refresh of feat_user_activity_events")


def test_the_same_file_landed_twice_adds_no_events(tmp_path):
    landing = tmp_path / "landing"
    simulate_landing(landing, days=2, events_per_day=1500, seed=2, end="2026-05-01")
    project = DbtProject(tmp_path / "wh", landing)
    selection = ("build", "--select", "+feat_authentication_events", "+landing_audit",
                 "--exclude", "test_type:unit", "--indirect-selection", "cautious")
    project.run(*selection)
    before = feature_rows(project), activity_rows(project)
    staged_before = {source: staged_event_counts(project, source) for source in raw_reference.READERS}
    for path in list(landing.glob("*/*")):
        shutil.copy2(path, path.with_name("redelivered_" + path.name))
    project.run(*selection)
    assert (feature_rows(project), activity_rows(project)) == before
    assert {source: staged_event_counts(project, source) for source in raw_reference.READERS} == staged_before
    # every record that was staged now stands in two files: one copy staged, the other a duplicate
    outcomes = dict(project.query("select outcome, sum(record_count)::bigint from landing_audit group by 1"))
    assert outcomes["duplicate"] == outcomes["staged"] > 0


# ---------------------------------------------------------------- loud on misconfiguration


def test_a_landing_dir_that_does_not_exist_fails_the_build_naming_it(tmp_path):
    missing = tmp_path / "landnig"
    project = DbtProject(tmp_path / "wh", missing)
    failures = project.attempt("run", "--select", "landing_lines")
    assert failures is not None and str(missing) in str(failures)


def test_an_undeclared_var_fails_the_run_naming_it(tmp_path):
    landing = tmp_path / "landing"
    landing.mkdir()
    project = DbtProject(tmp_path / "wh", landing, landig_dir="elsewhere")
    failures = project.attempt("run", "--select", "landing_lines")
    assert failures is not None and "unknown var landig_dir" in str(failures)
    assert DbtProject(tmp_path / "wh", landing).attempt("run", "--select", "landing_lines") is None


def test_compiled_sigma_rules_signal_and_their_alerts_keep_the_rules_author(demo_build):
    """The project's own Sigma rules (sigma_rules/, compiled into models/detections/sigma) run in the
    scheduled build: the demo's simulated privilege escalation attaches AdministratorAccess."""
    catalog = dict(demo_build.query(
        "select detection, rule_author from detection_catalog where origin = 'sigma'"))
    assert catalog and set(catalog.values()) == {"secfeat"}
    assert {detection for (detection,) in demo_build.query("select distinct detection from signals")} & set(catalog)
    rows = demo_build.query("select detection, detection_author, detection_license from alerts "
                            "where detection like 'sigma\\_%' escape '\\'")
    assert all(author == "secfeat" and licence == "Apache-2.0" for _, author, licence in rows)
    project_rows = demo_build.query("select count(*) from alerts where detection_author is not null "
                                    "and detection not like 'sigma\\_%' escape '\\'")
    assert project_rows == [(0,)]
