"""The champion's score of the feature vector at everything a user did
(feat_activity_events: logons, privileged actions, process launches, API
calls), kept: the store the model's signals (det_login_risk_model) are selected
from. An attack without a logon of its victim is scored too.

Incremental: a build scores only the rows of feat_activity_events whose
features were (re)computed after the latest row already scored (their
_computed_at: a new event, or a later event of an entity a late event
changed), and replaces their scores. Nothing else is read: a build with
nothing new scores nothing.

A new champion scores the rows that are new or changed from then on; the
scores kept stay those of the version that made them (model_version says
which). Rescoring history is a decision: `secfeat rescore` (a full refresh of
this model) scores every row with the current champion, and signals re-evaluates
them. With no champion it fails and says what to run: it
never scores with an arbitrary version.

Rows stream through in batches (ml.SCORING_BATCH_ROWS): a full refresh of a
long history never holds it in memory.
"""

from datetime import datetime, timezone

from secfeat import registry


def model(dbt, session):
    tracking_dir = dbt.config.get("mlflow_tracking_dir")
    model_name = dbt.config.get("login_model_name")
    # from the store's file: a build with nothing to score spends milliseconds, not seconds of imports
    registry.require_champion(tracking_dir, model_name)

    events = dbt.ref("feat_activity_events")
    # the event-grain feature tables the view joins (dbt reads refs by their literal names)
    parts = (dbt.ref("feat_user_activity_events"), dbt.ref("feat_user_src_ip_authentication_events"),
             dbt.ref("feat_src_ip_authentication_events"))
    if dbt.is_incremental:
        (scored_through,), = session.sql(f"select max(features_computed_at) from {dbt.this}").fetchall()
        if scored_through is not None:
            # the events a part of whose features was recomputed since: each part read by its
            # _computed_at alone (recent rows, which its zone maps find), not the whole view
            since = f"_computed_at > '{scored_through.isoformat(sep=' ')}'::timestamp"
            changed = None
            for part in parts:
                uids = part.filter(since).select("event_uid")
                changed = uids if changed is None else changed.union(uids)
            (pending,), = changed.aggregate("count(*)").fetchall()
            if not pending:
                return session.sql(f"select * from {dbt.this} where false")
            events = events.join(changed.distinct(), "event_uid", how="semi")

    import pyarrow as pa

    from secfeat import ml  # scikit-learn: only when there is something to score

    champion = registry.champion(tracking_dir, model_name)
    if champion is None:
        raise registry.NoChampionError(registry.no_champion_message(tracking_dir, model_name))
    pipeline = registry.load_version(tracking_dir, model_name, champion.version)
    reference = ml.reference_scores(pipeline, dbt.ref("feat_activity_events"), champion)
    scored_at = datetime.now(timezone.utc).replace(tzinfo=None)
    return ml.score_stream(
        pipeline, events.to_arrow_reader(ml.SCORING_BATCH_ROWS), reference,
        constants={
            "model_name": (pa.string(), model_name),
            "model_version": (pa.string(), champion.version),
            "mlflow_run_id": (pa.string(), champion.run_id),
            # how to alert on its scores: a model without labels by percentile (det_login_risk_model)
            "model_algorithm": (pa.string(), champion.params.get("algorithm")),
            "scored_at": (pa.timestamp("us"), scored_at),
            "dbt_invocation_id": (pa.string(), dbt.invocation_id),
        },
    )
