"""`secfeat promote`: compare a candidate model version with the champion on
the same recent data, and move the champion alias only when asked.

The candidate, unless --version names one, is the version the warehouse
recorded: ml_login_model_training's model_version, the row dbt committed
after the training registered it. A version registered by a training that
died before that commit is never the default; promote flags it
(registry.reconcile_versions), strips any alias from it, and refuses it
unless --allow-unrecorded says a person chose it anyway."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from secfeat import ml, registry
from secfeat.warehouse import connect_build

SCORE_QUANTILES = (0.5, 0.9, 0.99, 0.999)


@dataclass
class Comparison:
    since: pd.Timestamp
    until: pd.Timestamp
    threshold: float
    daily_budget: int | None
    top_k: int
    events: int
    labels: int
    positives: int
    # one dict of figures per model version, keyed "champion" / "candidate"
    figures: dict[str, dict] = field(default_factory=dict)
    alerts_in_both: int = 0


def recent_data(database: Path, since: pd.Timestamp, read_only: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Scored events (feat_activity_events) after `since`, and the labelled rows after it (features as of each label).
    Read-only, so it never holds the writer's lock (a process that has the
    file open already, like an in-process dbt, must open it as it did)."""
    con = connect_build(database, read_only=read_only)
    try:
        events = con.execute("select * from feat_activity_events where event_at > ?", [since]).df()
        labels = con.execute("select * from feat_login_training_set where label_at > ?", [since]).df()
    finally:
        con.close()
    return events, labels


def warehouse_record(con, model_name: str) -> tuple[str, str] | None:
    """(model_version, mlflow_run_id) of the warehouse's ml_login_model_training
    row for the model; None when the warehouse has never recorded a training."""
    (exists,), = con.execute("select count(*) from duckdb_tables() where database_name = current_database() "
                             "and table_name = 'ml_login_model_training'").fetchall()
    if not exists:
        return None
    rows = con.execute("select model_version, mlflow_run_id from ml_login_model_training where model_name = ?",
                       [model_name]).fetchall()
    return (str(rows[0][0]), rows[0][1]) if rows else None


def figures_of(pipeline, events: pd.DataFrame, labels: pd.DataFrame, threshold: float, daily_budget: int | None,
               top_k: int, negative_sample_rate: float | None = None) -> dict:
    scores = ml.risk_scores(pipeline, events)
    figures = {f"score p{q * 100:g}": float(np.quantile(scores, q)) for q in SCORE_QUANTILES}
    figures["score max"] = float(scores.max())
    figures["events at threshold"] = int((scores >= threshold).sum())
    # what the version would alert on: one per user and day, within the budget
    alerts = model_alerts(events, scores, threshold=threshold, daily_budget=daily_budget,
                              critical_percentile=1.0, high_percentile=1.0)
    figures["alerts"] = len(alerts)
    figures["alerts per day"] = float(len(alerts) / events["event_at"].dt.floor("D").nunique())
    figures["_alerted_events"] = set(alerts["event_uid"])
    if len(labels):
        # the training set's negatives are a sample: each weighs 1/rate, as in training's metrics
        metrics, _ = ml.evaluate(labels, ml.risk_scores(pipeline, labels), threshold, top_k,
                                 weights=ml.sample_weights(labels, negative_sample_rate))
        figures["roc auc"] = metrics["roc_auc"]
        figures["average precision"] = metrics["average_precision"]
        figures[f"precision at {top_k}"] = metrics[f"precision_at_{top_k}"]
        # of those alerts: how many are events inside an incident, and which incidents they catch
        alerted = labels[labels["event_uid"].isin(figures["_alerted_events"])]
        figures["alerts in incidents"] = f"{int(alerted['is_positive'].sum())} of {len(alerts)}"
        incidents = labels["incident_id"].dropna().nunique()
        figures["incidents caught"] = f"{alerted['incident_id'].dropna().nunique()} of {incidents}"
    return figures


def compare(database: Path, tracking_dir: Path, model_name: str, candidate: str, *, threshold: float,
            daily_budget: int | None, top_k: int, since: pd.Timestamp | None = None,
            read_only: bool = True, negative_sample_rate: float | None = None) -> Comparison:
    """Score the same events and labels, after both versions' training
    windows unless `since` says otherwise, with the champion and the candidate."""
    versions = {"candidate": registry.describe_version(tracking_dir, model_name, candidate)}
    current = registry.champion(tracking_dir, model_name)
    if current is not None and current.version != candidate:
        versions["champion"] = current
    if since is None:  # data neither version trained on
        since = max(pd.Timestamp(version.train_until) for version in versions.values())
    events, labels = recent_data(database, since, read_only)
    if events.empty:
        raise ValueError(f"no events in the warehouse after {since} (the end of the training windows): pass "
                         "--since to compare on earlier data, knowing a version trained on it")
    comparison = Comparison(since, events["event_at"].max(), threshold, daily_budget, top_k, len(events),
                            len(labels), int(labels["is_positive"].sum()) if len(labels) else 0)
    for role in ("champion", "candidate"):
        if role in versions:
            pipeline = registry.load_version(tracking_dir, model_name, versions[role].version)
            comparison.figures[role] = {
                "version": versions[role].version,
                "algorithm": versions[role].params.get("algorithm", "?"),
                "trained until": versions[role].train_until[:19],
                **figures_of(pipeline, events, labels, threshold, daily_budget, top_k, negative_sample_rate),
            }
    if len(comparison.figures) == 2:
        comparison.alerts_in_both = len(comparison.figures["champion"]["_alerted_events"]
                                        & comparison.figures["candidate"]["_alerted_events"])
    return comparison


def _cell(value) -> str:
    if isinstance(value, float):
        return "n/a" if np.isnan(value) else f"{value:.4f}" if abs(value) < 10 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def render(comparison: Comparison, model_name: str) -> str:
    roles = list(comparison.figures)
    versions = " vs ".join(f"{role} v{comparison.figures[role]['version']}" for role in roles)
    lines = [
        f"Model {model_name}: {versions}",
        f"on {comparison.events:,} events and {comparison.labels:,} labels ({comparison.positives:,} positive) "
        f"after {comparison.since:%Y-%m-%d %H:%M:%S} up to {comparison.until:%Y-%m-%d %H:%M:%S} UTC;",
        f"alert threshold {comparison.threshold}, at most {comparison.daily_budget or 'unlimited'} alerts a day, "
        f"k = {comparison.top_k}",
        "",
        f"{'':<24}" + "".join(f"{role:>21}" for role in roles),
    ]
    names = [name for name in comparison.figures[roles[-1]] if not name.startswith("_") and name != "version"]
    for name in names:
        lines.append(f"{name:<24}" + "".join(f"{_cell(comparison.figures[role].get(name, '')):>21}"
                                             for role in roles))
    if len(roles) == 2:
        lines.append(f"{'alerts raised by both':<24}{comparison.alerts_in_both:>42,}")
    if len(roles) == 2 and (comparison.figures["candidate"]["trained until"]
                            < comparison.figures["champion"]["trained until"]):
        lines.append("note: the candidate trained on older data than the champion (a rollback?)")
    return "\n".join(lines)


def promote(database: Path, tracking_dir: Path, model_name: str, version: str | None, *, threshold: float,
            daily_budget: int | None = None, top_k: int, since: pd.Timestamp | None = None, apply: bool = False,
            bootstrap: bool = False, out=print, read_only: bool = True,
            negative_sample_rate: float | None = None, allow_unrecorded: bool = False) -> int:
    """Print the comparison; move the champion alias when `apply`, or when
    `bootstrap` and there is no champion yet. Returns a process exit code."""
    # held while the versions are settled: no training for this warehouse can start meanwhile
    con = connect_build(database, read_only=read_only)
    try:
        recorded = warehouse_record(con, model_name)
        unrecorded = registry.reconcile_versions(tracking_dir, model_name, database, recorded)
    finally:
        con.close()
    for number in unrecorded:
        out(f"warning: v{number} of {model_name} was registered by a training that died before the warehouse "
            "recorded it: flagged unrecorded, never promoted by default")
    versions = registry.registered_versions(tracking_dir, model_name)
    if not versions:
        out(f"error: no version of {model_name!r} is registered in {Path(tracking_dir).resolve()}: "
            "train one with `secfeat train` (or `dbt build --selector training`)")
        return 2
    if version is None and recorded is not None and recorded[0] not in versions:
        out(f"error: the warehouse {database} recorded v{recorded[0]} of {model_name!r}, which the MLflow store "
            f"{Path(tracking_dir).resolve()} does not have (registered: {', '.join(versions)}): is it the store "
            "this warehouse trained into? Name a version with --version")
        return 2
    candidates = registry.promotable_versions(tracking_dir, model_name)
    candidate = version or (recorded[0] if recorded is not None else candidates[-1] if candidates else versions[-1])
    if candidate not in versions:
        out(f"error: {model_name!r} has no version {candidate} (registered: {', '.join(versions)})")
        return 2
    described = registry.describe_version(tracking_dir, model_name, candidate)
    if not described.promotable and not allow_unrecorded:
        why = ("its training died before the warehouse recorded it" if described.record == registry.UNRECORDED
               else "it awaits its record in another warehouse")
        out(f"error: v{candidate} of {model_name} is {described.record}: {why}. Promote a recorded version "
            f"({', '.join(candidates) or 'none yet: train again'}), or add --allow-unrecorded to promote it anyway")
        return 2
    current = registry.champion(tracking_dir, model_name)
    if current is not None and current.version == candidate:
        out(f"Version {candidate} of {model_name} is already the champion.")
        return 0
    out(render(compare(database, tracking_dir, model_name, candidate, threshold=threshold,
                       daily_budget=daily_budget, top_k=top_k,
                       since=since, read_only=read_only, negative_sample_rate=negative_sample_rate), model_name))
    out("")
    if apply or (bootstrap and current is None):
        why = "asked with --yes" if apply else "first champion (--bootstrap)"
        registry.set_champion(tracking_dir, model_name, candidate, note=why, allow_unrecorded=allow_unrecorded)
        was = f"v{current.version}" if current else "none"
        out(f"Promoted: champion of {model_name} is now v{candidate} (was {was}; {why}).")
    else:
        stays = f"stays v{current.version}" if current else "is not set"
        out(f"Not promoted: the champion {stays}. To make v{candidate} the champion: "
            f"secfeat promote --model {model_name} --version {candidate} --yes")
    return 0


# ---------------------------------------------------------------- what a version would alert on


def daily_budget(value) -> int | None:
    """var alerts_daily_budget as a limit: null, empty or not positive is no limit."""
    if value in (None, "", "None", "none", "null"):
        return None
    budget = int(value)
    return budget if budget > 0 else None


def model_alerts(events: pd.DataFrame, scores: np.ndarray, *, threshold: float, daily_budget: int | None,
                  critical_percentile: float, high_percentile: float, reference_scores: np.ndarray | None = None,
                  entity_column: str = "user_key", time_column: str = "event_at") -> pd.DataFrame:
    """What a version would alert on, to compare two versions (an estimate for
    `secfeat promote`, not the alert path, which is signals -> alerts in SQL):
    one per entity and UTC day: its highest-scoring event of the day
    at or above the threshold (with how many of its logons reached it), then
    at most daily_budget alerts a day, highest scores first. (One brute force
    is one alert, not two hundred.)

    Severity comes from the score's percentile among reference_scores (the
    champion's scores on its training window; default: all scores given), a
    fixed yardstick, so an alert's severity does not depend on how much of
    its day has arrived yet."""
    scores = np.asarray(scores, dtype=float)
    reference = np.sort(np.asarray(scores if reference_scores is None else reference_scores, dtype=float))
    scored = events.assign(score=scores, _day=events[time_column].dt.floor("D"))
    # ties (two events of a user in one second, one score) go to the lower event_uid, whatever the input order
    order = ["score", time_column] + [key for key in ("event_uid", "activity_kind") if key in scored.columns]
    over = scored[scored["score"] >= threshold].sort_values(order, ascending=[False] + [True] * (len(order) - 1),
                                                            kind="stable")
    # dropna=False: logons without a user still alert, grouped together
    per_entity = over.groupby(["_day", entity_column], dropna=False, sort=False)
    over = over.assign(entity_events_alerting=per_entity["score"].transform("size"))
    alerts = over.drop_duplicates(["_day", entity_column], keep="first").copy()
    alerts["daily_rank"] = alerts.groupby("_day").cumcount() + 1
    if daily_budget is not None:
        alerts = alerts[alerts["daily_rank"] <= daily_budget].copy()
    alerts["score_percentile"] = ml.score_percentiles(reference, alerts["score"].to_numpy())
    alerts["severity"] = np.select(
        [alerts["score_percentile"] >= critical_percentile, alerts["score_percentile"] >= high_percentile],
        ["critical", "high"], default="medium")
    return alerts.drop(columns="_day")
