"""Train the login risk model on the point-in-time training set and register it in MLflow.

Returns one row describing the run; MLflow logging is the only side effect.
"""

import pandas as pd

from secfeat import ml


def model(dbt, session):
    dbt.config(materialized="table")
    training_set = dbt.ref("feat_login_training_set").df()
    training_set["label"] = training_set["is_positive"].astype(int)

    trained = ml.train(training_set, ml.LOGIN_FEATURES, "label", "label_at")
    run_id, version = ml.log_and_register(
        trained,
        dbt.config.get("mlflow_tracking_dir"),
        dbt.config.get("login_model_name"),
        tags={"dbt_invocation_id": dbt.config.get("invocation_id") or ""},
    )
    return pd.DataFrame([{
        "model_name": dbt.config.get("login_model_name"),
        "model_version": version,
        "mlflow_run_id": run_id,
        "model_kind": trained.kind,
        "train_rows": trained.train_rows,
        "eval_rows": trained.eval_rows,
        "trained_until": trained.train_until,
        "roc_auc": trained.metrics.get("roc_auc"),
        "precision_at_100": trained.metrics.get("precision_at_100"),
    }])
