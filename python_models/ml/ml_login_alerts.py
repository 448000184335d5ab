"""Score every logon's feature vector with the champion model
(models:/<name>@champion) and keep those that alert. With no champion it
fails and says what to run: it never scores with an arbitrary version."""

import pandas as pd

from secfeat import ml, registry


def model(dbt, session):
    model_name = dbt.config.get("login_model_name")
    pipeline, champion = registry.load_champion(dbt.config.get("mlflow_tracking_dir"), model_name)
    threshold = float(dbt.config.get("alert_threshold"))
    budget = ml.daily_budget(dbt.config.get("alert_daily_budget"))  # a var rendered: null arrives as "None"
    features = ml.pipeline_features(pipeline)

    events = dbt.ref("feat_authentication_events").df()
    scores = ml.risk_scores(pipeline, events)
    in_training_window = events["event_at"].between(pd.Timestamp(champion.params["train_from"]),
                                                    pd.Timestamp(champion.params["train_until"])).to_numpy()
    alerts = ml.select_alerts(
        events,
        scores,
        threshold=threshold,
        daily_budget=budget,
        reference_scores=scores[in_training_window] if in_training_window.any() else None,
        critical_percentile=float(dbt.config.get("alert_critical_percentile")),
        high_percentile=float(dbt.config.get("alert_high_percentile")),
    )
    alerts["alert_id"] = model_name + ":" + alerts["event_uid"]
    alerts["threshold"] = threshold
    alerts["daily_budget"] = budget
    alerts["model_name"] = model_name
    alerts["model_version"] = champion.version
    alerts["mlflow_run_id"] = champion.run_id
    alerts["dbt_invocation_id"] = dbt.invocation_id
    columns = ["alert_id", "event_uid", "user_key", "src_endpoint_ip", "source_name", "event_at", "score",
               "score_percentile", "entity_logons_alerting", "daily_rank", "severity", "threshold", "daily_budget",
               "model_name", "model_version", "mlflow_run_id", "dbt_invocation_id", *features]
    return alerts[columns].sort_values(["score", "event_at"], ascending=[False, True])
