"""Training and scoring functions used by the dbt Python models."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from secfeat import ml


def _events(n: int = 2000, seed: int = 0) -> pd.DataFrame:
    """Synthetic feature rows where incidents have many recent failures."""
    rng = np.random.default_rng(seed)
    label = rng.random(n) < 0.05
    frame = pd.DataFrame({
        "failed_logins_1h": np.where(label, rng.integers(5, 60, n), rng.poisson(0.1, n)),
        "failed_logins_24h": np.where(label, rng.integers(20, 200, n), rng.poisson(0.5, n)),
        "successful_logins_7d": rng.poisson(20, n),
        "distinct_src_ips_24h": np.where(label, rng.integers(2, 6, n), rng.integers(1, 3, n)),
        "login_geo_diversity_7d": rng.integers(0, 2, n),
        "privileged_action_count_24h": np.where(label, rng.integers(0, 40, n), rng.poisson(0.3, n)),
        "rare_process_count_24h": np.where(label, rng.integers(0, 3, n), 0),
        "is_new_src_ip_30d": np.where(rng.random(n) < 0.2, None, rng.random(n) < np.where(label, 0.7, 0.05)),
        "distinct_users_failed_1h": np.where(label, rng.integers(1, 30, n), rng.poisson(0.05, n)),
        "event_at": pd.date_range("2026-01-01", periods=n, freq="min"),
        "label": label.astype(int),
    })
    return frame


def test_time_split_trains_on_the_past_only():
    frame = _events()
    train, evaluate, cut = ml.time_split(frame.sample(frac=1, random_state=1), "event_at")
    assert train["event_at"].max() <= cut < evaluate["event_at"].min()
    assert len(train) + len(evaluate) == len(frame)
    assert abs(len(train) / len(frame) - 0.7) < 0.01


def test_supervised_model_separates_what_the_features_separate():
    model = ml.train(_events(), ml.LOGIN_FEATURES, "label", "event_at")
    assert model.kind == "supervised"
    assert model.metrics["roc_auc"] > 0.95


def test_without_labels_it_falls_back_to_an_isolation_forest():
    frame = _events().assign(label=0)
    model = ml.train(frame, ml.LOGIN_FEATURES, "label", "event_at")
    assert model.kind == "unsupervised"
    scores = ml.risk_scores(model.pipeline, frame, ml.LOGIN_FEATURES)
    assert ((scores >= 0) & (scores <= 1)).all()
    # the rows with many failures are the outliers
    flagged = _events()["label"].to_numpy() == 1
    assert scores[flagged].mean() > scores[~flagged].mean()


def test_precision_at_k_by_hand():
    labels = np.array([0, 1, 1, 0, 1])
    scores = np.array([0.9, 0.8, 0.1, 0.7, 0.95])
    # top 3 by score: idx 4 (1), 0 (0), 1 (1)
    assert ml.precision_at_k(labels, scores, 3) == pytest.approx(2 / 3)
    assert ml.precision_at_k(labels, scores, 100) == pytest.approx(3 / 5)


def test_severity_bands():
    bands = ml.severity(np.array([0.5, 0.9, 0.94, 0.95, 0.99, 1.0]), threshold=0.9)
    assert list(bands) == ["none", "medium", "medium", "high", "critical", "critical"]


def test_unknown_model_kind_is_refused():
    with pytest.raises(ValueError, match="unknown model kind"):
        ml.build_pipeline("magic")


def test_mlflow_round_trip_scores_identically(tmp_path):
    frame = _events()
    model = ml.train(frame, ml.LOGIN_FEATURES, "label", "event_at")
    run_id, version = ml.log_and_register(model, tmp_path, "test_login_model")
    assert version == "1" and run_id
    loaded = ml.load_registered(tmp_path, "test_login_model", version)
    expected = ml.risk_scores(model.pipeline, frame, ml.LOGIN_FEATURES)
    np.testing.assert_array_equal(ml.risk_scores(loaded, frame, ml.LOGIN_FEATURES), expected)
    _, second = ml.log_and_register(model, tmp_path, "test_login_model")
    assert second == "2"


def test_mlflow_round_trip_of_the_tree_model(tmp_path):
    frame = _events().assign(label=0)
    model = ml.train(frame, ml.LOGIN_FEATURES, "label", "event_at")
    _, version = ml.log_and_register(model, tmp_path, "test_anomaly_model")
    loaded = ml.load_registered(tmp_path, "test_anomaly_model", version)
    np.testing.assert_array_equal(
        ml.risk_scores(loaded, frame, ml.LOGIN_FEATURES), ml.risk_scores(model.pipeline, frame, ml.LOGIN_FEATURES)
    )
