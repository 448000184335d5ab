"""Watch the system itself: how the champion's inputs and scores have moved
between its training window and the latest window, null rates, and volume
per source. Rows over var psi_alert_threshold are meta-alerts."""

import pandas as pd

from secfeat import ml, registry


def model(dbt, session):
    model_name = dbt.config.get("login_model_name")
    pipeline, champion = registry.load_champion(dbt.config.get("mlflow_tracking_dir"), model_name)
    features = ml.pipeline_features(pipeline)
    latest_hours = int(dbt.config.get("monitoring_window_hours"))

    events = dbt.ref("feat_authentication_events").df()
    train_from = pd.Timestamp(champion.params["train_from"])
    train_until = pd.Timestamp(champion.params["train_until"])
    latest_until = events["event_at"].max()
    # the latest window never reaches back into the training window
    latest_from = max(latest_until - pd.Timedelta(hours=latest_hours), train_until)
    reference = events[events["event_at"].between(train_from, train_until)].copy()
    latest = events[events["event_at"] > latest_from].copy()
    for frame in (reference, latest):
        frame["score"] = ml.risk_scores(pipeline, frame) if len(frame) else []

    report = ml.drift_report(reference, latest, features, psi_threshold=float(dbt.config.get("psi_alert_threshold")))
    return report.assign(
        model_name=model_name,
        model_version=champion.version,
        reference_from=train_from,
        reference_until=train_until,
        reference_events=len(reference),
        latest_from=latest_from,
        latest_until=latest_until,
        latest_events=len(latest),
        dbt_invocation_id=dbt.invocation_id,
    )
