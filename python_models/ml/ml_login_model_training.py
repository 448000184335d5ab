"""Train the login risk model on the point-in-time training set and register
it in MLflow as a new version. It never promotes: scoring keeps using the
champion until someone runs `secfeat promote --yes`.

Tagged training: the scheduled build (selectors.yml) leaves it out; it runs
when asked, with `secfeat train` (or `dbt build --selector training`).

Returns one row describing the run and the data it saw (also logged to
MLflow as params); MLflow logging is the only side effect. That row is the
warehouse's record of the version: dbt commits it after MLflow registered
the version, so a training killed in between leaves a version no row names.
Each training first settles the versions earlier ones left against the row
they replace (registry.reconcile_versions): a version never recorded is
flagged and never promoted by default.
"""

import json

import pandas as pd

from secfeat import ml, registry


def model(dbt, session):
    definitions = dbt.ref("ml_login_feature_definitions").df().iloc[0]
    definitions_json = definitions["feature_definitions"]
    definitions_version = definitions["feature_definitions_version"]
    features = ml.login_features(json.loads(definitions_json))
    threshold = float(dbt.config.get("alert_threshold"))
    top_k = int(dbt.config.get("evaluation_top_k"))
    algorithm = dbt.config.get("login_model_algorithm")
    model_name = dbt.config.get("login_model_name")
    negative_sample_rate = float(dbt.config.get("training_negative_sample_rate"))

    # a fixed row order: ties in label time must not change what the model learns
    training_set = dbt.ref("feat_login_training_set").df().sort_values(["label_at", "label_id"], ignore_index=True)
    # what the features were computed from: the latest load of the events the training set read
    (loaded_through,), = dbt.ref("int_user_activity_events").aggregate("max(_loaded_at)").fetchall()
    seen = data_seen(training_set, negative_sample_rate, loaded_through)
    trained = ml.train(training_set, features, algorithm, threshold=threshold, top_k=top_k,
                       negative_sample_rate=negative_sample_rate)
    run_id, version = registry.log_and_register(
        trained,
        dbt.config.get("mlflow_tracking_dir"),
        model_name,
        params={"training_set": "feat_login_training_set", "alert_threshold": threshold, "evaluation_top_k": top_k,
                **{key: "" if value is None else str(value) for key, value in seen.items()}},
        tags={"dbt_invocation_id": dbt.invocation_id, "feature_definitions_version": definitions_version},
        feature_definitions=definitions_json,
        warehouse=warehouse_path(session, dbt.this),
        warehouse_record=recorded_before(session, dbt.this, model_name),
    )
    metrics = trained.metrics
    return pd.DataFrame([{
        "model_name": model_name,
        "model_version": version,
        "mlflow_run_id": run_id,
        "algorithm": algorithm,
        "feature_definitions_version": definitions_version,
        "dbt_invocation_id": dbt.invocation_id,
        "train_from": pd.Timestamp(trained.window["train_from"]),
        "train_until": pd.Timestamp(trained.window["train_until"]),
        "eval_until": pd.Timestamp(trained.window["eval_until"]) if trained.window["eval_until"] else pd.NaT,
        **seen,
        "train_rows": int(metrics["train_rows"]),
        "eval_rows": int(metrics.get("eval_rows", 0)),
        "eval_positives": int(metrics.get("eval_positives", 0)),
        "roc_auc": metrics.get("eval_roc_auc"),
        "precision_at_k": metrics.get(f"eval_precision_at_{top_k}"),
        "evaluation_top_k": top_k,
        "incident_recall": metrics.get("eval_incident_recall"),
        "alerts_at_threshold": int(round(metrics.get("eval_alerts_at_threshold", 0))),
    }])


def warehouse_path(session, this) -> str:
    """The DuckDB file this build writes (the store names the warehouse that records a version by it)."""
    (path,), = session.execute("select path from duckdb_databases() where database_name = ?",
                               [this.database]).fetchall()
    return path


def recorded_before(session, this, model_name: str) -> tuple[str, str] | None:
    """(model_version, mlflow_run_id) of the row this run replaces: what the
    warehouse recorded last, still there until dbt commits this run's row."""
    (exists,), = session.execute("select count(*) from duckdb_tables() where database_name = ? and schema_name = ? "
                                 "and table_name = ?", [this.database, this.schema, this.identifier]).fetchall()
    if not exists:
        return None
    rows = session.execute(f"select model_version, mlflow_run_id from {this} where model_name = ?",
                           [model_name]).fetchall()
    return (str(rows[0][0]), rows[0][1]) if rows else None


def data_seen(training_set: pd.DataFrame, negative_sample_rate: float, loaded_through) -> dict:
    """What this training run saw: how many labels of each kind, their time
    range, the sampling rate of the negatives and the latest event load."""
    incident = training_set["label_source"] == "incident"
    positive = training_set["is_positive"].astype(bool)
    return {
        "training_set_rows": int(len(training_set)),
        "training_set_positives": int(positive.sum()),
        "training_set_sampled_negatives": int((incident & ~positive).sum()),
        "training_set_analyst_labels": int((~incident).sum()),
        "negative_sample_rate": negative_sample_rate,
        "label_from": pd.Timestamp(training_set["label_at"].min()) if len(training_set) else pd.NaT,
        "label_until": pd.Timestamp(training_set["label_at"].max()) if len(training_set) else pd.NaT,
        "features_loaded_through": pd.Timestamp(loaded_through) if loaded_through is not None else pd.NaT,
    }
