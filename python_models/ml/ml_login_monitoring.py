"""Watch the system itself: how the champion's inputs and scores have moved
between its training window and the latest window, null rates, and volume
per source. Rows over var psi_alert_threshold are meta-alerts.

The reference leaves out each feature's warm-up: the first window after the
warehouse's first event (plus the window of what a feature is built on), when
its windows are still filling and its values lower than they will ever be
again (a 7-day count on day 2). A feature whose warm-up covers the whole
training window is not compared yet (psi null, no meta-alert); the score's
warm-up is the longest of its features'.

It costs what arrived: the rows read are the latest window and the training
window (sampled in SQL to ml.REFERENCE_MAX_ROWS), filtered in SQL, never the
history; and when neither the champion, the settings nor the data changed
since the last build (same latest event, same latest load), it keeps its rows
and reads nothing else.
"""

import json

from secfeat import registry


def model(dbt, session):
    # after the scores: never two model loads in parallel (see registry.load_model)
    dbt.ref("ml_login_scores")
    tracking_dir = dbt.config.get("mlflow_tracking_dir")
    model_name = dbt.config.get("login_model_name")
    # from the store's file: a build with nothing new spends milliseconds, not seconds of imports
    champion_version = registry.require_champion(tracking_dir, model_name)
    latest_hours = int(dbt.config.get("monitoring_window_hours"))
    psi_threshold = float(dbt.config.get("psi_alert_threshold"))

    # every scored event has a row here: the extent of the data and its latest load, from zone maps
    (first_at, latest_until, loaded_through), = dbt.ref("feat_user_activity_events").aggregate(
        "min(event_at), max(event_at), max(_loaded_at)").fetchall()
    if dbt.is_incremental:
        (seen,) = session.sql(
            "select any_value(model_version), max(latest_until), max(data_loaded_through), "
            f"any_value(psi_alert_threshold), any_value(monitoring_window_hours) from {dbt.this}").fetchall()
        if seen == (champion_version, latest_until, loaded_through, psi_threshold, latest_hours):
            return session.sql(f"select * from {dbt.this} where false")  # nothing new: keep the rows

    import pandas as pd

    from secfeat import ml  # scikit-learn: only when there is something to compute

    champion = registry.champion(tracking_dir, model_name)
    if champion is None:
        raise registry.NoChampionError(registry.no_champion_message(tracking_dir, model_name))
    pipeline = registry.load_version(tracking_dir, model_name, champion.version)
    features = ml.pipeline_features(pipeline)
    (definitions,), = dbt.ref("ml_login_feature_definitions").select("feature_definitions").fetchall()
    warm_ups = ml.feature_warm_ups(json.loads(definitions))
    comparable_from = {}
    if first_at is not None:
        comparable_from = {feature: first_at + warm_ups[feature] for feature in features if feature in warm_ups}
        if comparable_from:
            comparable_from["score"] = max(comparable_from.values())

    train_from = pd.Timestamp(champion.params["train_from"])
    train_until = pd.Timestamp(champion.params["train_until"])
    latest_until = pd.Timestamp(latest_until) if latest_until is not None else train_until
    # the latest window never reaches back into the training window
    latest_from = max(latest_until - pd.Timedelta(hours=latest_hours), train_until)
    columns = ", ".join(["event_at", "source_name", *features])
    events = dbt.ref("feat_activity_events")  # what the champion scores
    reference, share = ml.hash_sample(events.filter(
        f"event_at between '{train_from}'::timestamp and '{train_until}'::timestamp"), ml.REFERENCE_MAX_ROWS)
    reference = reference.select(columns).df()
    latest = events.filter(f"event_at > '{latest_from}'::timestamp").select(columns).df()
    for frame in (reference, latest):
        frame["score"] = ml.risk_scores(pipeline, frame) if len(frame) else []

    report = ml.drift_report(reference, latest, features, psi_threshold=psi_threshold,
                             comparable_from=comparable_from, reference_scale=1 / share)
    report = report.astype({"reference_value": "float64", "latest_value": "float64", "psi": "float64",
                            "meta_alert_reason": "string", "comparable_from": "datetime64[us]"})
    return report.assign(
        model_name=model_name,
        model_version=champion.version,
        reference_from=train_from,
        reference_until=train_until,
        latest_from=latest_from,
        latest_until=latest_until,
        latest_events=len(latest),
        data_loaded_through=pd.Timestamp(loaded_through) if loaded_through is not None else pd.NaT,
        psi_alert_threshold=psi_threshold,
        monitoring_window_hours=latest_hours,
        dbt_invocation_id=dbt.invocation_id,
    )
