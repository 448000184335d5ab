"""Score every logon's feature vector with the model version just registered
and keep those at or above the alert threshold."""

from secfeat import ml


def model(dbt, session):
    dbt.config(materialized="table")
    training_run = dbt.ref("ml_login_model_training").df().iloc[0]
    events = dbt.ref("feat_authentication_events").df()
    pipeline = ml.load_registered(
        dbt.config.get("mlflow_tracking_dir"), training_run["model_name"], training_run["model_version"]
    )
    threshold = float(dbt.config.get("alert_threshold"))

    events["score"] = ml.risk_scores(pipeline, events, ml.LOGIN_FEATURES)
    alerts = events[events["score"] >= threshold].copy()
    alerts["threshold"] = threshold
    alerts["severity"] = ml.severity(alerts["score"].to_numpy(), threshold)
    alerts["model_name"] = training_run["model_name"]
    alerts["model_version"] = training_run["model_version"]
    columns = ["event_uid", "user_key", "src_endpoint_ip", "source_name", "event_at", "score", "threshold",
               "severity", "model_name", "model_version", *ml.LOGIN_FEATURES]
    return alerts[columns].sort_values("score", ascending=False)
