"""Training, evaluation, alerting and drift functions, checked by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from secfeat import ml
from secfeat.promote import daily_budget, model_alerts

FEATURES = ["failed_logins_1h", "failed_logins_24h", "successful_logins_7d", "privileged_action_count_24h",
            "is_new_src_ip_30d", "distinct_users_failed_1h"]


def labelled_rows(n: int = 2000, seed: int = 0) -> pd.DataFrame:
    """Synthetic training-set rows: incidents have many recent failures."""
    rng = np.random.default_rng(seed)
    positive = rng.random(n) < 0.05
    incident = np.where(positive, "INC-" + (np.arange(n) // 100).astype(str), None)
    return pd.DataFrame({
        "failed_logins_1h": np.where(positive, rng.integers(5, 60, n), rng.poisson(0.1, n)),
        "failed_logins_24h": np.where(positive, rng.integers(20, 200, n), rng.poisson(0.5, n)),
        "successful_logins_7d": rng.poisson(20, n),
        "privileged_action_count_24h": np.where(positive, rng.integers(0, 40, n), rng.poisson(0.3, n)),
        # a nullable flag, as DuckDB hands it over: null for a logon without a source IP
        "is_new_src_ip_30d": pd.array(np.where(rng.random(n) < 0.2, None,
                                               rng.random(n) < np.where(positive, 0.7, 0.05)), dtype="boolean"),
        "distinct_users_failed_1h": pd.array(np.where(rng.random(n) < 0.2, None,
                                                      np.where(positive, rng.integers(1, 30, n), 0)), dtype="Int64"),
        "label_at": pd.date_range("2026-01-01", periods=n, freq="min"),
        "is_positive": positive,
        "incident_id": incident,
        "technique": np.where(positive, np.where(np.arange(n) % 2, "brute_force", "password_spray"), None),
    })


def test_time_split_trains_on_the_past_only():
    frame = labelled_rows()
    train, evaluate, cut = ml.time_split(frame.sample(frac=1, random_state=1), "label_at")
    assert train["label_at"].max() <= cut < evaluate["label_at"].min()
    assert len(train) + len(evaluate) == len(frame)
    assert abs(len(train) / len(frame) - 0.7) < 0.01


@pytest.mark.parametrize("algorithm", ["gradient_boosting", "logistic_regression"])
def test_supervised_models_separate_what_the_features_separate(algorithm):
    model = ml.train(labelled_rows(), FEATURES, algorithm, threshold=0.5)
    assert model.metrics["eval_roc_auc"] > 0.95
    assert model.metrics["eval_incident_recall"] == 1.0
    assert model.window["train_until"] < model.window["eval_from"]
    assert set(model.by_technique["technique"]) == {"brute_force", "password_spray"}


def test_isolation_forest_needs_no_labels():
    frame = labelled_rows().assign(is_positive=False)
    model = ml.train(frame, FEATURES, "isolation_forest", threshold=0.6)
    scores = ml.risk_scores(model.pipeline, frame)
    assert ((scores >= 0) & (scores <= 1)).all()
    # the rows with many failures are the outliers
    flagged = labelled_rows()["is_positive"].to_numpy()
    assert scores[flagged].mean() > scores[~flagged].mean()


def test_a_supervised_model_without_both_labels_is_refused_with_the_way_out():
    with pytest.raises(ValueError, match="isolation_forest"):
        ml.train(labelled_rows().assign(is_positive=False), FEATURES, "gradient_boosting", threshold=0.5)
    with pytest.raises(ValueError, match="unknown login_model_algorithm"):
        ml.train(labelled_rows(), FEATURES, "magic", threshold=0.5)


def test_the_pipeline_selects_its_columns_by_name():
    frame = labelled_rows()
    model = ml.train(frame, FEATURES, "logistic_regression", threshold=0.5)
    shuffled = frame[list(reversed(frame.columns))].assign(unrelated=1.0)
    np.testing.assert_array_equal(ml.risk_scores(model.pipeline, shuffled), ml.risk_scores(model.pipeline, frame))
    assert ml.pipeline_features(model.pipeline) == FEATURES


def test_missing_values_are_imputed_inside_the_pipeline():
    frame = labelled_rows()
    model = ml.train(frame, FEATURES, "logistic_regression", threshold=0.5)
    missing = frame.assign(is_new_src_ip_30d=pd.array([None] * len(frame), dtype="boolean"))
    zero = frame.assign(is_new_src_ip_30d=False)
    np.testing.assert_allclose(ml.risk_scores(model.pipeline, missing), ml.risk_scores(model.pipeline, zero))


def test_every_algorithm_pipeline_loads_with_the_trusted_types():
    import skops.io

    frame = labelled_rows()
    for algorithm in ml.ALGORITHMS:
        model = ml.train(frame, FEATURES, algorithm, threshold=0.5)
        untrusted = skops.io.get_untrusted_types(data=skops.io.dumps(model.pipeline))
        assert set(untrusted) <= set(ml.SKOPS_TRUSTED_TYPES), algorithm


def test_precision_at_k_by_hand():
    labels = np.array([0, 1, 1, 0, 1])
    scores = np.array([0.9, 0.8, 0.1, 0.7, 0.95])
    # top 3 by score: idx 4 (1), 0 (0), 1 (1)
    assert ml.precision_at_k(labels, scores, 3) == pytest.approx(2 / 3)
    assert ml.precision_at_k(labels, scores, 100) == pytest.approx(3 / 5)


def test_evaluate_by_hand():
    rows = pd.DataFrame({
        "is_positive": [True, True, True, False, False, False],
        "incident_id": ["A", "A", "B", None, None, None],
        "technique": ["spray", "spray", "travel", None, None, None],
    })
    scores = np.array([0.95, 0.2, 0.3, 0.92, 0.1, 0.05])
    metrics, by_technique = ml.evaluate(rows, scores, threshold=0.9, top_k=2)
    # incident A has one row over 0.9, B none
    assert metrics["incidents"] == 2 and metrics["incidents_caught"] == 1 and metrics["incident_recall"] == 0.5
    assert metrics["alerts_at_threshold"] == 2 and metrics["precision_at_threshold"] == 0.5
    assert metrics["precision_at_2"] == 0.5
    # positives 0.95, 0.2, 0.3 vs negatives 0.92, 0.1, 0.05: 7 of 9 pairs ordered right
    assert metrics["roc_auc"] == pytest.approx(7 / 9)
    spray = by_technique.set_index("technique").loc["spray"]
    assert (spray["incidents"], spray["incidents_caught"], spray["positives"], spray["positives_alerted"],
            spray["positives_in_top_2"]) == (1, 1, 2, 1, 1)
    # spray rows 0.95, 0.2 vs the three negatives: 5 of 6 pairs
    assert spray["roc_auc"] == pytest.approx(5 / 6)


def test_alerts_one_per_user_and_day_within_the_budget():
    events = pd.DataFrame({
        "event_uid": list("abcdefg"),
        "user_key": ["u1", "u1", "u2", "u3", "u1", "u2", "u4"],
        "event_at": pd.to_datetime(["2026-01-01 01:00", "2026-01-01 02:00", "2026-01-01 03:00", "2026-01-01 04:00",
                                    "2026-01-02 01:00", "2026-01-02 02:00", "2026-01-02 03:00"]),
    })
    scores = np.array([0.95, 0.97, 0.91, 0.2, 0.99, 0.5, 0.92])
    reference = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.92, 0.98])
    alerts = model_alerts(events, scores, threshold=0.9, daily_budget=1, critical_percentile=0.95,
                              high_percentile=0.9, reference_scores=reference)
    # day 1: u1's best logon (b, of 2 alerting) beats u2 (c), budget 1; day 2: e (u1) beats g (u4)
    assert list(alerts["event_uid"]) == ["e", "b"]
    assert list(alerts["entity_events_alerting"]) == [1, 2]
    assert list(alerts["daily_rank"]) == [1, 1]
    # e 0.99 is above all ten reference scores; b 0.97 above nine
    assert alerts.set_index("event_uid")["score_percentile"].to_dict() == {"e": 1.0, "b": 0.9}
    assert alerts.set_index("event_uid")["severity"].to_dict() == {"e": "critical", "b": "high"}
    unlimited = model_alerts(events, scores, threshold=0.9, daily_budget=None, critical_percentile=0.95,
                                 high_percentile=0.9, reference_scores=reference)
    assert sorted(unlimited["event_uid"]) == ["b", "c", "e", "g"]
    # c 0.91 is above eight reference scores, g 0.92 ties the ninth: at or below counts
    assert unlimited.set_index("event_uid")["score_percentile"].to_dict() == {"e": 1.0, "b": 0.9, "g": 0.9, "c": 0.8}
    assert unlimited.set_index("event_uid")["severity"].to_dict() == {"e": "critical", "b": "high", "g": "high",
                                                                      "c": "medium"}
    # without a reference, the scores given are the yardstick: b is above 6 of the 7
    own = model_alerts(events, scores, threshold=0.9, daily_budget=None, critical_percentile=1.0,
                           high_percentile=0.5)
    assert own.set_index("event_uid")["score_percentile"].to_dict()["b"] == pytest.approx(6 / 7)


# ---------------------------------------------------------------- population stability index


def test_psi_from_shares_by_hand():
    # (0.25 - 0.5) ln(0.25 / 0.5) + (0.75 - 0.5) ln(0.75 / 0.5)
    assert ml.psi_from_shares([0.5, 0.5], [0.25, 0.75]) == pytest.approx(0.25 * math.log(2) + 0.25 * math.log(1.5))
    assert ml.psi_from_shares([0.2, 0.3, 0.5], [0.2, 0.3, 0.5]) == 0
    # an empty bin counts as 1e-4, so the index stays finite
    assert ml.psi_from_shares([1.0, 0.0], [0.5, 0.5]) == pytest.approx(
        (0.5 - 1.0) * math.log(0.5 / 1.0) + (0.5 - 1e-4) * math.log(0.5 / 1e-4))


def test_psi_bins_are_the_reference_deciles_plus_a_null_bin():
    reference = np.arange(1, 11, dtype=float)  # deciles 1.9, 2.8, ..., 9.1: one value per bin
    latest = np.array([1, 1, 1, 1, 1, 10, 10, 10, np.nan, np.nan], dtype=float)
    # latest: 5 of 10 in the first bin, 3 in the last, 2 null; the other 7 bins empty (1e-4)
    expected, actual = [0.1] * 10 + [0.0], [0.5] + [0.0] * 8 + [0.3, 0.2]
    by_hand = sum((max(a, 1e-4) - max(e, 1e-4)) * math.log(max(a, 1e-4) / max(e, 1e-4))
                  for e, a in zip(expected, actual))
    assert ml.psi(reference, latest) == pytest.approx(by_hand)
    assert ml.psi(reference, reference) == 0


def test_psi_of_tied_counts_merges_repeated_edges():
    # deciles 0 (seven times), 0.2, 1.4: bins <= 0, (0, 0.2], (0.2, 1.4], > 1.4, null
    reference = np.array([0] * 8 + [1, 5], dtype=float)
    latest = np.array([0] * 4 + [1] * 4 + [7, 7], dtype=float)
    by_hand = ml.psi_from_shares([0.8, 0.0, 0.1, 0.1, 0.0], [0.4, 0.0, 0.4, 0.2, 0.0])
    assert ml.psi(reference, latest) == pytest.approx(by_hand)


def test_category_psi_by_hand():
    reference = pd.Series(["okta"] * 5 + ["windows"] * 5)
    latest = pd.Series(["okta"] * 8 + ["sshd"] * 2)
    by_hand = ml.psi_from_shares([0.5, 0.0, 0.5], [0.8, 0.2, 0.0])
    assert ml.category_psi(reference, latest) == pytest.approx(by_hand)


def test_the_drift_report_flags_drift_and_silent_sources():
    rng = np.random.default_rng(3)
    n = 1000
    reference = pd.DataFrame({
        "event_at": pd.date_range("2026-01-01", periods=n, freq="min"),
        "source_name": rng.choice(["okta", "windows", "sshd"], n),
        "failed_logins_1h": rng.poisson(1, n), "successful_logins_7d": rng.poisson(20, n),
        "score": rng.random(n) * 0.1,
    })
    latest = reference.assign(
        event_at=reference["event_at"] + pd.Timedelta(days=2),
        source_name=rng.choice(["okta", "windows"], n),  # sshd went silent
        failed_logins_1h=rng.poisson(4, n),  # drifted
    )
    report = ml.drift_report(reference, latest, ["failed_logins_1h", "successful_logins_7d"], psi_threshold=0.2)
    flagged = report[report["is_meta_alert"]].set_index(["check_name", "subject"])["meta_alert_reason"].to_dict()
    assert flagged[("distribution", "failed_logins_1h")] == "psi above 0.2"
    assert flagged[("volume", "sshd")] == "source sent no events"
    assert flagged[("source_mix", "all sources")] == "psi above 0.2"
    assert ("distribution", "successful_logins_7d") not in flagged
    assert ("distribution", "score") not in flagged
    psi = report.set_index(["check_name", "subject"])["psi"]
    assert psi[("distribution", "failed_logins_1h")] == pytest.approx(
        ml.psi(reference["failed_logins_1h"].to_numpy(float), latest["failed_logins_1h"].to_numpy(float)))


def test_no_alerts_and_no_budget_are_handled():
    events = pd.DataFrame({"event_uid": ["a", "b"], "user_key": ["u1", None],
                           "event_at": pd.to_datetime(["2026-01-01 01:00", "2026-01-01 02:00"])})
    alerts = model_alerts(events, np.array([0.1, 0.2]), threshold=0.9, daily_budget=5, critical_percentile=0.99,
                              high_percentile=0.9)
    assert alerts.empty and {"daily_rank", "severity", "entity_events_alerting"} <= set(alerts.columns)
    # a logon without a user still alerts
    assert list(model_alerts(events, np.array([0.1, 0.95]), threshold=0.9, daily_budget=None,
                                 critical_percentile=0.99, high_percentile=0.9)["event_uid"]) == ["b"]
    assert [daily_budget(value) for value in (None, "None", "", 0, -3, "25", 7)] == [None] * 5 + [25, 7]


def test_evaluate_without_incidents():
    rows = pd.DataFrame({"is_positive": [True, False, False]})
    metrics, by_technique = ml.evaluate(rows, np.array([0.9, 0.2, 0.1]), threshold=0.5, top_k=1)
    assert metrics["roc_auc"] == 1.0 and metrics["incidents"] == 0 and by_technique.empty
    assert math.isnan(metrics["incident_recall"])


def test_drift_null_rate_and_source_mix_by_hand():
    reference = pd.DataFrame({"event_at": pd.date_range("2026-01-01", periods=4, freq="h"),
                              "source_name": ["okta", "okta", "okta", "sshd"],
                              "distinct_users_failed_1h": [1.0, None, 2.0, 3.0], "score": [0.1, 0.2, 0.3, 0.4]})
    latest = pd.DataFrame({"event_at": pd.date_range("2026-01-02", periods=4, freq="h"),
                           "source_name": ["okta", "sshd", "sshd", "sshd"],
                           "distinct_users_failed_1h": [None, None, None, 2.0], "score": [0.1, 0.2, 0.3, 0.4]})
    report = ml.drift_report(reference, latest, ["distinct_users_failed_1h"], psi_threshold=0.2)
    checks = report.set_index(["check_name", "subject"])
    null_rate = checks.loc[("null_rate", "distinct_users_failed_1h")]
    assert (null_rate["reference_value"], null_rate["latest_value"]) == (0.25, 0.75)
    assert null_rate["psi"] == pytest.approx((0.25 - 0.75) * math.log(0.25 / 0.75) + (0.75 - 0.25) * math.log(3))
    mix = checks.loc[("source_mix", "all sources")]
    assert mix["psi"] == pytest.approx((0.25 - 0.75) * math.log(0.25 / 0.75) + (0.75 - 0.25) * math.log(3))
    # 4 events over 3 hours in each window; sshd 1 -> 3 of them
    assert checks.loc[("volume", "sshd"), "reference_value"] == pytest.approx(1 / 3)
    assert checks.loc[("volume", "sshd"), "latest_value"] == pytest.approx(1.0)
    assert checks.loc[("distribution", "score"), "psi"] == 0 and not checks.loc[("distribution", "score"),
                                                                               "is_meta_alert"]


def test_an_empty_window_is_one_meta_alert_not_a_wall_of_psi():
    reference = pd.DataFrame({"event_at": pd.date_range("2026-01-01", periods=3, freq="h"),
                              "source_name": "okta", "failed_logins_1h": [0, 1, 2], "score": [0.1, 0.2, 0.3]})
    report = ml.drift_report(reference, reference.iloc[0:0], ["failed_logins_1h"], psi_threshold=0.2)
    assert report[["check_name", "meta_alert_reason"]].values.tolist() == [["volume", "no events in the latest window"]]
    assert report["psi"].isna().all()


# ---------------------------------------------------------------- sampled negatives


def test_sample_weights_count_each_kept_negative_for_the_ones_left_out():
    rows = pd.DataFrame({"label_source": ["incident", "incident", "analyst_disposition", "analyst_disposition"],
                         "is_positive": [True, False, True, False]})
    assert ml.sample_weights(rows, 0.25).tolist() == [1.0, 4.0, 1.0, 1.0]  # analyst labels are all kept
    assert ml.sample_weights(rows, 1) is None and ml.sample_weights(rows, None) is None
    for rate in (0, 1.5, -0.1):
        with pytest.raises(ValueError, match="training_negative_sample_rate"):
            ml.sample_weights(rows, rate)


def test_sampling_by_label_id_is_deterministic_monotone_and_near_its_rate():
    labels = [f"event:{n:08x}" for n in range(20000)]
    at_10, at_30 = ml.sampled_in(labels, 0.1), ml.sampled_in(labels, 0.3)
    assert (ml.sampled_in(labels, 0.1) == at_10).all()
    assert not (at_10 & ~at_30).any()  # a label kept at 0.1 is kept at 0.3: it keeps its fate
    assert abs(at_10.mean() - 0.1) < 0.01 and abs(at_30.mean() - 0.3) < 0.015
    assert ml.sampled_in(labels, 1.0).all()


def test_weighted_metrics_equal_those_of_the_population_the_sample_stands_for():
    rng = np.random.default_rng(5)
    n = 400
    positive = rng.random(n) < 0.15
    scores = np.clip(np.where(positive, rng.normal(0.7, 0.2, n), rng.normal(0.35, 0.2, n)), 0, 1).round(3)
    rows = pd.DataFrame({"is_positive": positive, "label_source": "incident",
                         "incident_id": np.where(positive, "INC-" + (np.arange(n) % 7).astype(str), None),
                         "technique": np.where(positive, "spray", None)})
    weights = ml.sample_weights(rows, 0.25)
    # the population: every kept negative four times over
    repeats = weights.astype(int)
    population = rows.loc[rows.index.repeat(repeats)].reset_index(drop=True)
    population_scores = np.repeat(scores, repeats)
    order = np.argsort(-population_scores, kind="stable")  # the population's ties: a negative's copies together
    weighted, by_technique = ml.evaluate(rows, scores, threshold=0.6, top_k=40, weights=weights)
    full, full_by_technique = ml.evaluate(population.iloc[order].reset_index(drop=True), population_scores[order],
                                          threshold=0.6, top_k=40)
    for metric in ("roc_auc", "average_precision", "alerts_at_threshold", "precision_at_threshold",
                   "incident_recall", "positives"):
        assert weighted[metric] == pytest.approx(full[metric]), metric
    assert weighted["population_rows"] == len(population) and weighted["rows"] == n
    assert weighted["precision_at_40"] == pytest.approx(full["precision_at_40"], abs=0.03)
    assert by_technique["roc_auc"].iloc[0] == pytest.approx(full_by_technique["roc_auc"].iloc[0])
    # unweighted, the sample's figures are not the population's
    assert ml.evaluate(rows, scores, threshold=0.6, top_k=40)[0]["alerts_at_threshold"] < full["alerts_at_threshold"]


def test_weighted_top_k_is_the_top_k_of_the_population():
    scores = np.array([0.9, 0.8, 0.7, 0.6])
    assert ml.weighted_top_k(scores, 2).tolist() == [0, 1]
    # the second row stands for 3: the population's top 2 is row 0 and a copy of row 1
    assert ml.weighted_top_k(scores, 2, [1, 3, 1, 1]).tolist() == [0, 1]
    assert ml.weighted_top_k(scores, 5, [1, 3, 1, 1]).tolist() == [0, 1, 2]
    assert ml.precision_at_k(np.array([1, 0, 1, 1]), scores, 4, [1, 3, 1, 1]) == pytest.approx(1 / 4)


def test_training_on_sampled_negatives_weighted_keeps_scores_calibrated():
    everything = labelled_rows(6000, seed=2).assign(label_source="incident")
    everything["label_id"] = "event:" + everything.index.astype(str)
    kept = everything["is_positive"].to_numpy() | ml.sampled_in(everything["label_id"], 0.2)
    sample = everything[kept].reset_index(drop=True)
    full = ml.train(everything, FEATURES, "logistic_regression", threshold=0.5)
    weighted = ml.train(sample, FEATURES, "logistic_regression", threshold=0.5, negative_sample_rate=0.2)
    unweighted = ml.train(sample, FEATURES, "logistic_regression", threshold=0.5)
    mean = {name: ml.risk_scores(model.pipeline, everything).mean()
            for name, model in (("full", full), ("weighted", weighted), ("unweighted", unweighted))}
    # unweighted, a sample with a fifth of the negatives scores everything riskier
    assert abs(mean["weighted"] - mean["full"]) < abs(mean["unweighted"] - mean["full"]) / 3
    assert weighted.metrics["eval_population_rows"] > weighted.metrics["eval_rows"]


# ---------------------------------------------------------------- warm-up


def test_a_features_warm_up_is_its_window_and_that_of_what_it_is_built_on():
    definitions = {"features": {
        "user": [{"name": "failed_logins_1h", "window": "1 hour", "filter": "status_id = 2"},
                 {"name": "rare_process_count_24h", "window": "24 hours",
                  "filter": "activity_kind = 'process_launch' and is_rare_process"}],
        "user, src_ip": [{"name": "is_new_src_ip_30d", "window": "30 days"}],
        "src_ip": [],
        "process": [{"name": "devices_launching_process_30d", "window": "30 days"}],
    }}
    assert ml.feature_warm_ups(definitions) == {
        "failed_logins_1h": pd.Timedelta(hours=1), "rare_process_count_24h": pd.Timedelta(days=31),
        "is_new_src_ip_30d": pd.Timedelta(days=30)}


def test_the_drift_report_leaves_the_warm_up_out_of_the_reference():
    rng = np.random.default_rng(8)
    n = 4000  # two weeks
    at = pd.date_range("2026-01-01", periods=n, freq="5min")
    # a 7-day count filling up: low during the first week, steady after
    filling = np.minimum((at - at[0]) / pd.Timedelta(days=7), 1.0) * 20
    reference = pd.DataFrame({"event_at": at, "source_name": "okta", "successful_logins_7d": rng.poisson(filling),
                              "failed_logins_1h": rng.poisson(1, n), "score": rng.random(n)})
    latest = reference.tail(288).assign(event_at=lambda frame: frame["event_at"] + pd.Timedelta(days=2),
                                        successful_logins_7d=rng.poisson(20, 288))
    features = ["successful_logins_7d", "failed_logins_1h"]
    everything = ml.drift_report(reference, latest, features, psi_threshold=0.2).set_index(["check_name", "subject"])
    assert everything.loc[("distribution", "successful_logins_7d"), "is_meta_alert"]  # the warm-up alone
    filled = at[0] + pd.Timedelta(days=7)
    report = ml.drift_report(reference, latest, features, psi_threshold=0.2,
                             comparable_from={"successful_logins_7d": filled, "score": filled + pd.Timedelta(days=9)})
    checks = report.set_index(["check_name", "subject"])
    row = checks.loc[("distribution", "successful_logins_7d")]
    kept = reference[reference["event_at"] >= filled]
    assert not row["is_meta_alert"] and row["reference_events"] == len(kept) and row["comparable_from"] == filled
    assert row["psi"] == pytest.approx(ml.psi(kept["successful_logins_7d"].to_numpy(float),
                                              latest["successful_logins_7d"].to_numpy(float)))
    # no reference left after the score's warm-up: not compared, not an alert
    score = checks.loc[("distribution", "score")]
    assert pd.isna(score["psi"]) and score["reference_events"] == 0 and not score["is_meta_alert"]
    assert checks.loc[("distribution", "failed_logins_1h"), "reference_events"] == n  # no warm-up given: all
