"""The scheduled build, training on demand and incremental scoring, end to end.

A simulated landing zone arrives a day at a time (each day's files hold some
late events of the day before) into one warehouse: its first two days are
built, trained on and scored, then a scheduled `dbt build` (no selection:
selectors.yml's default) runs with nothing new, then with the third day.
After each, the checks below; the last day's alerts must equal those of a
second warehouse built from all three days at once and scored in one go by
the same champion. The tests run in file order on that one warehouse."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from conftest import PROJECT_ROOT, USES_CHAMPION, DailyLanding, DbtProject
from feature_reference import EVENT_FEATURES
from secfeat import ml, registry
from secfeat.cli import main as secfeat_main
from secfeat.promote import promote
from secfeat.warehouse import connect_build

pytestmark = pytest.mark.dbt

MODEL = "secfeat_login_risk"
ALERT_COLUMNS = ("event_uid", "score", "daily_rank", "severity", "entity_events_alerting", "status")


class Lifecycle(DailyLanding):
    def __init__(self, workdir: Path):
        super().__init__(workdir, days=3, events_per_day=2500, seed=9, end="2026-04-01")
        self.project = DbtProject(workdir / "incremental", self.landing)
        self.tracking = Path(self.project.vars["mlflow_tracking_dir"])

    def train(self, project: DbtProject | None = None, **extra_vars) -> int:
        project = project or self.project
        return secfeat_main(["train", "--duckdb", str(project.database), "--project-dir", str(PROJECT_ROOT),
                             "--vars", json.dumps({**project.vars, **extra_vars})])

    def versions(self) -> list[str]:
        return registry.registered_versions(self.tracking, MODEL)

    def scheduled_build(self, project: DbtProject | None = None) -> None:
        (project or self.project).run("build")  # no selection: the default selector, `scheduled`


def _scores(project: DbtProject) -> dict:
    """(event_uid, activity_kind) -> when scored, the score and the version."""
    return {(uid, kind): (scored_at, round(score, 9), version) for uid, kind, scored_at, score, version in project.query(
        "select event_uid, activity_kind, scored_at, score, model_version from ml_login_scores")}


def _alerts(project: DbtProject) -> pd.DataFrame:
    return project.query_frame("select * from alerts").set_index("alert_id").sort_index()


def _live(alerts: pd.DataFrame) -> dict:
    raised = alerts[alerts["status"] == "raised"]
    return {alert_id: (row.detection, row.entity_key, row.first_event_at, row.last_event_at, row.event_count,
                       row.daily_rank, row.severity) for alert_id, row in raised.iterrows()}


def _live_signals(project: DbtProject) -> dict:
    """signal_id -> what the hit is, for the signals not withdrawn."""
    return {row[0]: row[1:] for row in project.query(
        "select signal_id, detection, event_uid, severity_id, has_baseline, round(score, 9), model_version "
        "from signals where withdrawn_at is null")}


@pytest.fixture(scope="module")
def lifecycle(tmp_path_factory) -> Lifecycle:
    """Two days landed, built without the models that need a champion, trained
    once with `secfeat train`, bootstrapped, scored: what `make demo` does."""
    state = Lifecycle(tmp_path_factory.mktemp("lifecycle"))
    for day in state.days[:2]:
        state.land(day)
    state.project.run("build", "--exclude", "tag:training", USES_CHAMPION)
    assert state.versions() == []  # a build without training registers nothing
    assert state.train() == 0
    assert promote(state.project.database, state.tracking, MODEL, None, threshold=0.9, top_k=100, bootstrap=True,
                   out=lambda line: None, read_only=False) == 0
    state.project.run("build", "--select", USES_CHAMPION)
    return state


def test_the_default_selector_is_the_scheduled_build_and_leaves_training_out(lifecycle):
    from dbt.cli.main import dbtRunner

    def listed(*selection: str) -> set[str]:
        result = dbtRunner().invoke(["ls", *selection, "--project-dir", str(PROJECT_ROOT), "--profiles-dir",
                                     str(PROJECT_ROOT / "profiles"), "--target-path",
                                     str(lifecycle.project.workdir / "target_ls"), "--resource-type", "model",
                                     "--output", "name", "--quiet", "--vars", json.dumps(lifecycle.project.vars)])
        assert result.success, result.exception
        return set(result.result)

    scheduled, everything = listed(), listed("--select", "fqn:*")
    training = {"feat_login_training_set", "ml_login_model_training", "report_model_training",
                "report_training_labels_by_source"}
    assert scheduled == everything - training
    assert listed("--selector", "training") == training
    assert listed("--select", "ml_login_model_training") == {"ml_login_model_training"}  # --select overrides it


def test_train_registers_one_version_and_records_what_it_saw(lifecycle, capsys):
    project = lifecycle.project
    assert lifecycle.versions() == ["1"]
    run = project.query_frame("select * from ml_login_model_training").iloc[0]
    labels = project.query_frame("select label_source, is_positive, label_at from feat_login_training_set")
    incident = labels["label_source"] == "incident"
    assert (run["training_set_rows"], run["training_set_positives"], run["training_set_sampled_negatives"],
            run["training_set_analyst_labels"]) == (len(labels), labels["is_positive"].sum(),
                                                    (incident & ~labels["is_positive"]).sum(), (~incident).sum())
    assert (run["label_from"], run["label_until"]) == (labels["label_at"].min(), labels["label_at"].max())
    (loaded_through,), = project.query("select max(_loaded_at) from int_user_activity_events")
    assert run["features_loaded_through"] == loaded_through and run["negative_sample_rate"] == 0.1
    logged = registry.describe_version(lifecycle.tracking, MODEL, "1")
    assert logged.params["training_set_rows"] == str(len(labels))
    assert logged.params["negative_sample_rate"] == "0.1"
    assert pd.Timestamp(logged.params["features_loaded_through"]) == loaded_through


def test_a_scheduled_build_with_nothing_new_registers_and_scores_nothing(lifecycle):
    project = lifecycle.project
    scores, alerts = _scores(project), _alerts(project)
    (monitoring_invocation,), = project.query("select distinct dbt_invocation_id from ml_login_monitoring")
    lifecycle.scheduled_build()
    assert lifecycle.versions() == ["1"]
    assert _scores(project) == scores
    pd.testing.assert_frame_equal(_alerts(project), alerts)
    # monitoring saw no new data either: it kept its rows
    assert project.query("select distinct dbt_invocation_id from ml_login_monitoring") == [(monitoring_invocation,)]


def test_the_summary_tells_what_training_saw_and_what_is_still_warming_up(lifecycle):
    import io

    from secfeat.summary import _print

    out = io.StringIO()
    con = connect_build(lifecycle.project.database)
    try:
        assert _print(con, 5, out) == 0
    finally:
        con.close()
    text = out.getvalue()
    for expected in ("the last training run registered v1", "negatives sampled at 0.1", "== The champion v1 signalled",
                     "0 withdrawn", "not compared yet: ", "== Detection quality"):
        assert expected in text, expected


def test_monitoring_leaves_each_features_warm_up_out_of_its_reference(lifecycle):
    project = lifecycle.project
    rows = project.query_frame("select * from ml_login_monitoring where check_name = 'distribution'")
    rows = rows.set_index("subject")
    (definitions,), = project.query("select feature_definitions from ml_login_feature_definitions")
    warm_ups = ml.feature_warm_ups(json.loads(definitions))
    assert warm_ups["successful_logins_7d"] == pd.Timedelta(days=7)
    assert warm_ups["rare_process_count_24h"] == pd.Timedelta(days=31)  # 24 hours over 30 days of launches
    events = project.query_frame("select * from feat_activity_events")  # what the champion scores
    first = events["event_at"].min()
    pipeline, champion = registry.load_champion(lifecycle.tracking, MODEL)
    reference = events[events["event_at"].between(pd.Timestamp(champion.params["train_from"]),
                                                  pd.Timestamp(champion.params["train_until"]))]
    latest = events[events["event_at"] > rows["latest_from"].iloc[0]]
    compared = 0
    for feature in EVENT_FEATURES:
        row = rows.loc[feature]
        assert row["comparable_from"] == first + warm_ups[feature], feature
        kept = reference[reference["event_at"] >= row["comparable_from"]]
        assert row["reference_events"] == len(kept), feature
        if kept.empty:  # two days of data: the 7- and 30-day windows never filled
            assert pd.isna(row["psi"]) and not row["is_meta_alert"], feature
        else:
            compared += 1
            assert row["psi"] == pytest.approx(ml.psi(ml.feature_frame(kept, [feature])[feature].to_numpy(),
                                                      ml.feature_frame(latest, [feature])[feature].to_numpy()))
    assert compared and rows.loc["successful_logins_7d", "reference_events"] == 0
    assert pd.isna(rows.loc["score", "psi"])  # the score's warm-up is its longest feature's
    # the warm-up rows could never fail: comparing all of the training window flags a 7-day count still filling
    assert ml.psi(ml.feature_frame(reference, ["successful_logins_7d"])["successful_logins_7d"].to_numpy(),
                  ml.feature_frame(latest, ["successful_logins_7d"])["successful_logins_7d"].to_numpy()) > 0.2


def test_new_events_score_only_new_and_changed_rows_and_alerts_keep_their_history(lifecycle, tmp_path):
    project = lifecycle.project
    before_scores, before_alerts = _scores(project), _alerts(project)
    (watermark,), = project.query("select max(features_computed_at) from ml_login_scores")
    lifecycle.land(lifecycle.days[2])
    lifecycle.scheduled_build()
    assert lifecycle.versions() == ["1"]

    # an event is rescored when a part of its vector was recomputed (a role assumption: both its rows)
    changed_uids = {uid for (uid,) in project.query(
        f"select event_uid from feat_activity_events where _computed_at > '{watermark}'")}
    after_scores = _scores(project)
    changed = {key for key in after_scores if key[0] in changed_uids}
    rescored = {key for key, row in after_scores.items() if before_scores.get(key, (None,))[0] != row[0]}
    assert rescored == changed
    assert {key: row for key, row in after_scores.items() if key not in changed} == {
        key: row for key, row in before_scores.items() if key not in changed}
    assert before_scores.keys() <= after_scores.keys()
    assert {kind for _, kind in after_scores} == {"logon", "privileged_action", "process_launch", "api_call"}
    late = project.query(f"select count(*) from ml_login_scores where event_uid in (select event_uid from "
                         f"feat_activity_events where _computed_at > '{watermark}') "
                         f"and event_at < '{lifecycle.days[2]}'")[0][0]
    assert late > 0, "the third day rescored no earlier event: the test lands no late event"

    after_alerts = _alerts(project)
    kept = before_alerts.index.intersection(after_alerts.index)
    assert len(kept) == len(before_alerts)  # an alert is never dropped, at most withdrawn
    was_raised = before_alerts.loc[kept, "first_raised_at"].notna()
    assert (after_alerts.loc[kept][was_raised]["first_raised_at"]
            == before_alerts.loc[kept][was_raised]["first_raised_at"]).all()
    new = after_alerts.index.difference(before_alerts.index)
    assert len(new) and (after_alerts.loc[new, "last_changed_at"] > before_alerts["last_changed_at"].max()).all()

    # the same champion scoring all three days at once makes the same signals and raises the same alerts
    full = DbtProject(tmp_path / "full", lifecycle.complete, mlflow_tracking_dir=str(lifecycle.tracking))
    full.run("build", "--exclude", "tag:training", USES_CHAMPION)
    full.run("build", "--select", USES_CHAMPION)
    assert _live_signals(full) == _live_signals(project)
    assert _live(_alerts(full)) == _live(after_alerts)
    assert {uid: row[1] for uid, row in _scores(full).items()} == {uid: row[1] for uid, row in after_scores.items()}


def test_a_new_champion_rescores_history_only_when_asked(lifecycle):
    project = lifecycle.project
    assert lifecycle.train(login_model_algorithm="logistic_regression") == 0
    assert lifecycle.versions() == ["1", "2"]
    registry.set_champion(lifecycle.tracking, MODEL, "2")
    before_scores, before_alerts = _scores(project), _alerts(project)
    lifecycle.scheduled_build()
    assert _scores(project) == before_scores  # nothing new: the new champion scored nothing
    pd.testing.assert_frame_equal(_alerts(project), before_alerts)

    assert secfeat_main(["rescore", "--duckdb", str(project.database), "--project-dir", str(PROJECT_ROOT),
                         "--vars", json.dumps(project.vars)]) == 0
    assert {row[2] for row in _scores(project).values()} == {"2"}
    after = _alerts(project)
    assert before_alerts.index.isin(after.index).all()
    was_raised = before_alerts["first_raised_at"].notna()
    assert (after.loc[before_alerts.index][was_raised]["first_raised_at"]
            == before_alerts[was_raised]["first_raised_at"]).all()
    withdrawn = after[after["status"] == "withdrawn"]
    assert withdrawn["withdrawn_at"].notna().all()
    # and the model's live signals are version 2's scores at the threshold
    scores = project.query_frame("select event_uid, score from ml_login_scores where score >= 0.9")
    signalled = project.query_frame("select event_uid, model_version from signals "
                                    "where detection = 'login_risk_model' and withdrawn_at is null")
    assert set(signalled["model_version"]) == {"2"}
    assert set(signalled["event_uid"]) == set(scores["event_uid"])
