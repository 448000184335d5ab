"""Train, register, promote, load by alias, score: the MLflow lifecycle end to
end on a local store, with a small warehouse for `secfeat promote` to read."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from secfeat import ml, registry
from secfeat.cli import main as secfeat_main
from secfeat.promote import promote
from test_ml import FEATURES, labelled_rows



@pytest.fixture(scope="module")
def tracking(tmp_path_factory):
    """One MLflow store for the module (creating a store costs seconds); each
    test registers its own model name in it."""
    return tmp_path_factory.mktemp("mlruns")


@pytest.fixture()
def model_name(request):
    return "login_risk_" + request.node.name.replace("[", "_").replace("]", "")


@pytest.fixture()
def warehouse(tmp_path):
    """feat_login_training_set and feat_activity_events as promote reads them."""
    rows = labelled_rows(3000, seed=1)
    rows = rows.assign(event_uid="e" + rows.index.astype(str), user_key="user" + (rows.index % 40).astype(str))
    path = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    con.register("rows", rows)
    con.execute("create table feat_login_training_set as select * from rows")
    con.execute("create table feat_activity_events as "
                "select *, label_at as event_at, 'okta' as source_name from rows")
    con.close()
    return path, rows


def _train_and_register(rows, tracking_dir, model_name, algorithm):
    model = ml.train(rows, FEATURES, algorithm, threshold=0.9 if algorithm != "isolation_forest" else 0.6)
    _, version = registry.log_and_register(model, tracking_dir, model_name, tags={"feature_definitions_version": "abc"})
    return model, version


def _promote(warehouse_path, tracking_dir, model_name, version=None, **flags):
    printed = []
    code = promote(warehouse_path, tracking_dir, model_name, version, threshold=0.9, top_k=50, out=printed.append,
                   **flags)
    return code, "\n".join(printed)


@pytest.mark.parametrize("algorithm", ["logistic_regression", "isolation_forest", "gradient_boosting"])
def test_train_register_promote_load_by_alias_scores_identically(tracking, model_name, warehouse, algorithm):
    warehouse_path, rows = warehouse
    model, version = _train_and_register(rows, tracking, model_name, algorithm)
    assert version == "1"
    assert registry.champion(tracking, model_name) is None  # registering is not promoting

    code, printed = _promote(warehouse_path, tracking, model_name)
    assert code == 0 and "Not promoted" in printed and registry.champion(tracking, model_name) is None
    code, printed = _promote(warehouse_path, tracking, model_name, apply=True)
    assert code == 0 and "Promoted" in printed

    pipeline, champion = registry.load_champion(tracking, model_name)
    assert champion.version == "1" and champion.params["algorithm"] == algorithm
    assert champion.params["features"] == ",".join(FEATURES)
    assert champion.params["train_until"] == model.window["train_until"]
    np.testing.assert_array_equal(ml.risk_scores(pipeline, rows), ml.risk_scores(model.pipeline, rows))


def test_scoring_refuses_without_a_champion_and_says_what_to_run(tracking, model_name, warehouse):
    with pytest.raises(registry.NoChampionError, match="dbt build --select ml_login_model_training"):
        registry.load_champion(tracking, model_name)
    _train_and_register(warehouse[1], tracking, model_name, "logistic_regression")
    with pytest.raises(registry.NoChampionError, match=f"secfeat promote --model {model_name} --version 1"):
        registry.load_champion(tracking, model_name)


def test_a_new_version_waits_for_promotion_and_the_comparison_shows_both(tracking, model_name, warehouse):
    warehouse_path, rows = warehouse
    _train_and_register(rows, tracking, model_name, "logistic_regression")
    assert _promote(warehouse_path, tracking, model_name, bootstrap=True)[0] == 0
    assert registry.champion(tracking, model_name).version == "1"

    challenger, version = _train_and_register(rows, tracking, model_name, "gradient_boosting")
    assert version == "2" and registry.champion(tracking, model_name).version == "1"
    # bootstrap never replaces a champion
    code, printed = _promote(warehouse_path, tracking, model_name, bootstrap=True)
    assert "champion stays v1" in printed and registry.champion(tracking, model_name).version == "1"
    assert "champion v1 vs candidate v2" in printed
    # both were scored on the same events, after both training windows
    cut = pd.Timestamp(challenger.window["train_until"])
    assert f"{(rows['label_at'] > cut).sum():,} events" in printed
    for figure in ("events at threshold", "alerts per day", "roc auc", "precision at 50", "alerts in incidents",
                   "incidents caught", "alerts raised by both"):
        assert figure in printed

    code, printed = _promote(warehouse_path, tracking, model_name, "2", apply=True)
    assert code == 0 and "now v2 (was v1" in printed
    assert registry.champion(tracking, model_name).version == "2"
    pipeline, _ = registry.load_champion(tracking, model_name)
    np.testing.assert_array_equal(ml.risk_scores(pipeline, rows), ml.risk_scores(challenger.pipeline, rows))
    previous = registry.load_model(tracking, f"models:/{model_name}@previous_champion")
    assert ml.pipeline_features(previous) == FEATURES
    assert _promote(warehouse_path, tracking, model_name, "2", apply=True)[1].endswith("already the champion.")


def test_promote_on_the_command_line(tmp_path, tracking, model_name, warehouse, capsys):
    warehouse_path, rows = warehouse
    common = ["--model", model_name, "--tracking-dir", str(tracking), "--duckdb", str(warehouse_path)]
    assert secfeat_main(["promote", *common]) == 2
    assert "train one" in capsys.readouterr().out
    _train_and_register(rows, tracking, model_name, "logistic_regression")
    assert secfeat_main(["promote", *common, "--version", "7"]) == 2
    assert secfeat_main(["promote", *common, "--yes", "--threshold", "0.5"]) == 0
    assert "alert threshold 0.5" in capsys.readouterr().out
    assert registry.champion(tracking, model_name).version == "1"
    assert secfeat_main(["promote", *common, "--duckdb", str(tmp_path / "missing.duckdb")]) == 2
