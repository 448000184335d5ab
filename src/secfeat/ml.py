"""Training, evaluation, scoring and drift checks on the shared features.

The dbt Python models in ``python_models/`` are thin: they read the feature
tables and call these functions, so the logic is tested with pytest.
Preprocessing (column order, missing values, log transform, scaling) lives
inside the scikit-learn Pipeline that is logged, so scoring can never use a
different transformation than training.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, IsolationForest
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

# var login_model_algorithm -> whether it learns from labels
ALGORITHMS = {
    "gradient_boosting": "supervised",
    "logistic_regression": "supervised",
    "isolation_forest": "unsupervised",
}

# skops (MLflow 3's format for scikit-learn) refuses to load types it was not
# told to trust. These are the ones our pipelines hold beyond plain sklearn
# estimators; test_ml checks the list against every algorithm's pipeline.
# Models are only ever loaded from this project's own MLflow store.
SKOPS_TRUSTED_TYPES = [
    "numpy.dtype",
    "numpy.log1p",
    "numpy.ufunc",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn.tree._tree.Tree",
]


def login_features(definitions: dict) -> list[str]:
    """The model's input columns, in order: every event-grain feature of the
    definitions the dbt project renders (macro login_model_feature_definitions)."""
    return [feature["name"] for entity in ("user", "user, src_ip", "src_ip")
            for feature in definitions["features"][entity]]


def build_pipeline(algorithm: str, features: list[str], seed: int = 0) -> Pipeline:
    """Columns by name -> missing as 0 -> log1p (counts are heavy-tailed) -> scaling -> the estimator."""
    if algorithm == "gradient_boosting":
        estimator = HistGradientBoostingClassifier(max_iter=200, learning_rate=0.1, random_state=seed)
    elif algorithm == "logistic_regression":
        estimator = LogisticRegression(max_iter=1000, random_state=seed)
    elif algorithm == "isolation_forest":
        estimator = IsolationForest(n_estimators=200, random_state=seed)
    else:
        raise ValueError(f"unknown login_model_algorithm {algorithm!r}: use one of {', '.join(ALGORITHMS)}")
    return Pipeline([
        # selects and orders the columns by name, whatever order the caller's frame has
        ("columns", ColumnTransformer([("features", "passthrough", list(features))],
                                      verbose_feature_names_out=False)),
        # a per-IP feature of a logon without a source IP has no value: nothing was seen
        ("missing_as_zero", SimpleImputer(strategy="constant", fill_value=0.0, keep_empty_features=True)),
        ("log1p", FunctionTransformer(np.log1p, feature_names_out="one-to-one")),
        ("scale", StandardScaler()),
        ("model", estimator),
    ])


def feature_frame(frame: pd.DataFrame, features: list[str]) -> pd.DataFrame:
    """The feature columns as float64 (booleans as 0/1, nulls as NaN for the pipeline's imputer)."""
    return pd.DataFrame({name: pd.to_numeric(frame[name].astype("object"), errors="raise").astype("float64")
                         for name in features}, index=frame.index)


def pipeline_features(pipeline: Pipeline) -> list[str]:
    return list(pipeline.feature_names_in_)


def risk_scores(pipeline: Pipeline, frame: pd.DataFrame) -> np.ndarray:
    """Scores in [0, 1], higher is riskier, for either kind of pipeline."""
    matrix = feature_frame(frame, pipeline_features(pipeline))
    if hasattr(pipeline[-1], "predict_proba"):
        return pipeline.predict_proba(matrix)[:, 1]
    # IsolationForest: score_samples is minus the anomaly score, which lies in (0, 1].
    return np.clip(-pipeline.score_samples(matrix), 0.0, 1.0)


# ---------------------------------------------------------------- training and its metrics


@dataclass
class TrainedModel:
    pipeline: Pipeline
    algorithm: str
    features: list[str]
    window: dict[str, str]
    metrics: dict[str, float] = field(default_factory=dict)
    by_technique: pd.DataFrame = field(default_factory=pd.DataFrame)


def time_split(frame: pd.DataFrame, time_column: str, train_fraction: float = 0.7):
    """Train on the earlier part of the period, evaluate on the later part:
    everything at or before the cut trains, everything after it evaluates."""
    if frame.empty:
        raise ValueError("no labelled rows to train on: build feat_login_training_set first")
    ordered = frame.sort_values(time_column, kind="stable")
    cut = ordered[time_column].quantile(train_fraction, interpolation="nearest")
    return ordered[ordered[time_column] <= cut], ordered[ordered[time_column] > cut], cut


def weighted_top_k(scores, k: int, weights=None) -> np.ndarray:
    """Positions of the k highest scores (ties to the earlier row). With
    weights (a sampled row stands for 1/rate rows of the population) the
    highest-scoring rows until their weights add up to k: the top k of the
    population the sample was drawn from."""
    order = np.argsort(-np.asarray(scores, dtype=float), kind="stable")
    if weights is None:
        return order[:min(k, len(order))]
    reached = np.cumsum(np.asarray(weights, dtype=float)[order])
    return order[:int(np.searchsorted(reached, k, side="left")) + 1]


def precision_at_k(labels, scores, k: int, weights=None) -> float:
    labels = np.asarray(labels)
    if len(labels) == 0:
        return float("nan")
    top = weighted_top_k(scores, k, weights)
    if weights is None:
        return float(labels[top].mean())
    top_weights = np.asarray(weights, dtype=float)[top]
    return float((labels[top] * top_weights).sum() / top_weights.sum())


def sample_weights(rows: pd.DataFrame, negative_sample_rate: float | None,
                   label_column: str = "is_positive") -> np.ndarray | None:
    """How many logons of the population each labelled row stands for:
    feat_login_training_set keeps every positive and every analyst label, and
    each negative incident label with probability var
    training_negative_sample_rate, so a kept negative stands for 1/rate.
    None when nothing was sampled (rate 1, or no rate)."""
    rate = float(negative_sample_rate) if negative_sample_rate not in (None, "", "None") else 1.0
    if not 0 < rate <= 1:
        raise ValueError(f"training_negative_sample_rate must be in (0, 1], got {negative_sample_rate!r}")
    if rate == 1.0:
        return None
    sampled = ~rows[label_column].astype(bool).to_numpy()
    if "label_source" in rows:
        sampled &= (rows["label_source"] == "incident").to_numpy()
    return np.where(sampled, 1.0 / rate, 1.0)


def sampled_in(label_ids, rate: float) -> np.ndarray:
    """Whether a negative label is kept at this rate: the training set's rule
    (md5_number_lower(label_id) < rate * 2^64), in Python, for tests and tools."""
    import hashlib

    threshold = int(rate * 2.0 ** 64)  # as the model renders it: an integer
    return np.array([int.from_bytes(hashlib.md5(str(label).encode()).digest()[8:], "little") < threshold
                     for label in label_ids], dtype=bool)


def evaluate(rows: pd.DataFrame, scores: np.ndarray, threshold: float, top_k: int,
             label_column: str = "is_positive", weights=None) -> tuple[dict[str, float], pd.DataFrame]:
    """Metrics of scores on labelled rows: overall, and per attack technique.

    An incident is caught when at least one of its labelled rows scores at or
    above the threshold; its recall is the share of incidents caught.

    weights (sample_weights: 1/rate for a sampled negative) make every figure
    one of the population the rows were sampled from: ROC AUC, average
    precision and the precisions weigh each row, alerts_at_threshold counts
    weighted rows, the top k is the population's top k. Incident recall
    needs none: every positive is kept."""
    labels = rows[label_column].astype(bool).to_numpy()
    scores = np.asarray(scores, dtype=float)
    w = np.ones(len(rows)) if weights is None else np.asarray(weights, dtype=float)
    alerted = scores >= threshold
    metrics = {
        "rows": float(len(rows)),
        "positives": float(labels.sum()),
        "population_rows": float(w.sum()),
        f"precision_at_{top_k}": precision_at_k(labels, scores, top_k, weights),
        "alerts_at_threshold": float(w[alerted].sum()),
        "precision_at_threshold": float((w * labels)[alerted].sum() / w[alerted].sum()) if alerted.any()
        else float("nan"),
        "roc_auc": float("nan"),
        "average_precision": float("nan"),
    }
    if 0 < labels.sum() < len(labels):
        metrics["roc_auc"] = float(roc_auc_score(labels, scores, sample_weight=weights))
        metrics["average_precision"] = float(average_precision_score(labels, scores, sample_weight=weights))

    scored = rows.assign(_score=scores, _alerted=alerted)
    if "incident_id" not in scored:  # labels without incidents (e.g. analyst dispositions only)
        scored = scored.assign(incident_id=None, technique=None)
    in_incidents = scored[scored["incident_id"].notna()]
    incidents = in_incidents.groupby("incident_id").agg(technique=("technique", "first"),
                                                        caught=("_alerted", "any"))
    metrics["incidents"] = float(len(incidents))
    metrics["incidents_caught"] = float(incidents["caught"].sum())
    metrics["incident_recall"] = float(incidents["caught"].mean()) if len(incidents) else float("nan")

    top = set(weighted_top_k(scores, top_k, weights).tolist())
    negatives = ~labels
    by_technique = []
    for technique, group in in_incidents.groupby("technique"):
        positions = scored.index.get_indexer(group.index)
        technique_labels = np.r_[np.ones(len(group)), np.zeros(negatives.sum())]
        technique_scores = np.r_[group["_score"].to_numpy(), scores[negatives]]
        technique_weights = np.r_[w[positions], w[negatives]]
        caught = incidents[incidents["technique"] == technique]["caught"]
        by_technique.append({
            "technique": technique,
            "incidents": len(caught),
            "incidents_caught": int(caught.sum()),
            "incident_recall": float(caught.mean()),
            "positives": len(group),
            "positives_alerted": int(group["_alerted"].sum()),
            f"positives_in_top_{top_k}": sum(int(position in top) for position in positions),
            "roc_auc": float(roc_auc_score(technique_labels, technique_scores, sample_weight=technique_weights))
            if negatives.any() else float("nan"),
        })
    return metrics, pd.DataFrame(by_technique)


def train(frame: pd.DataFrame, features: list[str], algorithm: str, *, threshold: float, top_k: int = 100,
          label_column: str = "is_positive", time_column: str = "label_at", train_fraction: float = 0.7,
          seed: int = 0, negative_sample_rate: float | None = None) -> TrainedModel:
    """Fit on the earlier part of the label times and measure on the later part.

    With negative_sample_rate (the training set kept each negative incident
    label with that probability), each kept negative weighs 1/rate in the fit
    and in every metric: the model's scores stay calibrated to the population
    (a threshold means what it meant before sampling), and the metrics are
    the population's."""
    if algorithm not in ALGORITHMS:
        raise ValueError(f"unknown login_model_algorithm {algorithm!r}: use one of {', '.join(ALGORITHMS)}")
    train_rows, eval_rows, cut = time_split(frame, time_column, train_fraction)
    labels = train_rows[label_column].astype(bool).astype(int)
    pipeline = build_pipeline(algorithm, features, seed)
    train_weights = sample_weights(train_rows, negative_sample_rate, label_column)
    fit_weights = {} if train_weights is None else {"model__sample_weight": train_weights}
    if ALGORITHMS[algorithm] == "supervised":
        if labels.nunique() < 2:
            raise ValueError(
                f"{algorithm} learns from labels, but the training period (label times up to {cut}) has only "
                f"{'positive' if labels.all() else 'negative'} labels: set var login_model_algorithm to "
                "isolation_forest, which needs none")
        pipeline.fit(feature_frame(train_rows, features), labels, **fit_weights)
    else:
        pipeline.fit(feature_frame(train_rows, features), **fit_weights)
    window = {
        "train_from": str(train_rows[time_column].min()),
        "train_until": str(cut),
        "eval_from": str(eval_rows[time_column].min()) if len(eval_rows) else "",
        "eval_until": str(eval_rows[time_column].max()) if len(eval_rows) else "",
    }
    model = TrainedModel(pipeline, algorithm, list(features), window)
    model.metrics = {"train_rows": float(len(train_rows)), "train_positives": float(labels.sum())}
    if len(eval_rows):
        metrics, model.by_technique = evaluate(eval_rows, risk_scores(pipeline, eval_rows), threshold, top_k,
                                               label_column,
                                               weights=sample_weights(eval_rows, negative_sample_rate, label_column))
        model.metrics |= {f"eval_{name}": value for name, value in metrics.items()}
    return model


# ---------------------------------------------------------------- scoring in the warehouse

SCORING_BATCH_ROWS = 100_000  # rows scored at a time: memory stays flat whatever the history
REFERENCE_MAX_ROWS = 200_000  # a larger window is sampled (by a hash of event_uid) to this many
SCORED_COLUMNS = ("event_uid", "activity_kind", "user_key", "src_endpoint_ip", "source_name", "event_at")


def hash_sample(relation, max_rows: int, key: str = "event_uid"):
    """The relation, or a deterministic sample of about max_rows of it (by
    md5_number_lower of the key, the training set's rule), and the share kept."""
    (rows,), = relation.aggregate("count(*)").fetchall()
    if rows <= max_rows:
        return relation, 1.0
    share = max_rows / rows
    return relation.filter(f"md5_number_lower({key}) < {int(share * 2.0 ** 64)}"), share


def reference_scores(pipeline: Pipeline, events, version, max_rows: int = REFERENCE_MAX_ROWS) -> np.ndarray | None:
    """The version's scores on the events of its training window (a
    deterministic sample of max_rows when there are more), read from the
    feature relation with the filter in SQL: the yardstick of score_percentile.
    None when the window holds no event."""
    window = events.filter(f"event_at between '{version.params['train_from']}'::timestamp "
                           f"and '{version.params['train_until']}'::timestamp")
    sample, _ = hash_sample(window, max_rows)
    frame = sample.select(", ".join(pipeline_features(pipeline))).df()
    return risk_scores(pipeline, frame) if len(frame) else None


def score_stream(pipeline: Pipeline, reader, reference: np.ndarray | None, constants: dict):
    """Score a stream of feature rows (a pyarrow RecordBatchReader of
    feat_activity_events rows) batch by batch, as a stream of scored
    rows: the event, its features, score and score_percentile (share of
    `reference` at or below it; null without one), the constants (name ->
    (arrow type, value)) and the features' _computed_at and _loaded_at."""
    import pyarrow as pa

    features = pipeline_features(pipeline)
    passed = [reader.schema.field(name) for name in (*SCORED_COLUMNS, *features)]
    schema = pa.schema([
        *passed,
        pa.field("score", pa.float64()),
        pa.field("score_percentile", pa.float64()),
        *(pa.field(name, kind) for name, (kind, _) in constants.items()),
        reader.schema.field("_computed_at").with_name("features_computed_at"),
        reader.schema.field("_loaded_at").with_name("features_loaded_at"),
    ])

    def batches():
        for batch in reader:
            if not batch.num_rows:
                continue
            scores = risk_scores(pipeline, batch.select(features).to_pandas())
            percentiles = (score_percentiles(reference, scores) if reference is not None
                           else np.full(len(scores), np.nan))
            yield pa.RecordBatch.from_arrays([
                *(batch.column(field.name) for field in passed),
                pa.array(scores, pa.float64()),
                pa.array(percentiles, pa.float64(), from_pandas=True),
                *(pa.array([value] * batch.num_rows, kind) for kind, value in constants.values()),
                batch.column("_computed_at"),
                batch.column("_loaded_at"),
            ], schema=schema)

    return pa.RecordBatchReader.from_batches(schema, batches())


# ---------------------------------------------------------------- alerts


def score_percentiles(reference_scores, scores) -> np.ndarray:
    """Share of the reference scores at or below each score (the champion's
    scores on its training window: a fixed yardstick, whatever a day's volume)."""
    reference = np.sort(np.asarray(reference_scores, dtype=float))
    return np.searchsorted(reference, np.asarray(scores, dtype=float), side="right") / max(len(reference), 1)


# ---------------------------------------------------------------- drift


PSI_BINS = 10
PSI_FLOOR = 1e-4  # an empty bin counts as this share, so the log stays finite


def psi_from_shares(expected: np.ndarray, actual: np.ndarray, floor: float = PSI_FLOOR) -> float:
    """Population stability index: sum over bins of (a - e) * ln(a / e)."""
    expected = np.maximum(np.asarray(expected, dtype=float), floor)
    actual = np.maximum(np.asarray(actual, dtype=float), floor)
    return float(np.sum((actual - expected) * np.log(actual / expected)))


def bin_shares(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Shares of values in the bins (-inf, e0], (e0, e1], ..., (e_last, inf), then the null bin."""
    values = np.asarray(values, dtype=float)
    missing = np.isnan(values)
    counts = np.bincount(np.searchsorted(edges, values[~missing], side="left"), minlength=len(edges) + 1)
    counts = np.append(counts, missing.sum())
    return counts / max(len(values), 1)


def psi(reference, latest, bins: int = PSI_BINS) -> float:
    """PSI of a numeric column between a reference and a latest sample: the
    bins are the reference's deciles (repeated edges merged, as counts tie),
    plus one bin for nulls."""
    reference = np.asarray(reference, dtype=float)
    known = reference[~np.isnan(reference)]
    quantiles = np.quantile(known, np.arange(1, bins) / bins) if len(known) else np.array([])
    edges = np.unique(quantiles)
    return psi_from_shares(bin_shares(reference, edges), bin_shares(latest, edges))


def category_psi(reference: pd.Series, latest: pd.Series) -> float:
    """PSI of a categorical column (e.g. the mix of sources), one bin per value."""
    expected = reference.value_counts(normalize=True, dropna=False)
    actual = latest.value_counts(normalize=True, dropna=False)
    categories = expected.index.union(actual.index)
    return psi_from_shares(expected.reindex(categories, fill_value=0).to_numpy(),
                           actual.reindex(categories, fill_value=0).to_numpy())


def feature_warm_ups(definitions: dict) -> dict[str, pd.Timedelta]:
    """How long after the first event the warehouse holds each login
    feature's value is complete: its window (a 7-day count is short of
    events until 7 days of them exist), plus the window of what it is built
    on (a rare process is judged over 30 days of launches). From the
    definitions ml_login_feature_definitions renders."""
    groups = definitions["features"]

    def longest(group: str) -> pd.Timedelta:
        return max((pd.Timedelta(feature["window"]) for feature in groups.get(group, [])), default=pd.Timedelta(0))

    warm_ups = {}
    for entity in ("user", "user, src_ip", "src_ip"):
        for feature in groups.get(entity, []):
            warm_up = pd.Timedelta(feature["window"])
            if "is_rare_process" in f"{feature.get('filter', '')} {feature.get('expression', '')}":
                warm_up += longest("process")
            warm_ups[feature["name"]] = warm_up
    return warm_ups


def mean_of_present(values: np.ndarray) -> float | None:
    """The mean of the non-null values (None when there are none), the same
    whatever their order: the warehouse returns rows in no fixed order, and a
    float sum in another order differs in its last bits."""
    present = values[~np.isnan(values)]
    return math.fsum(present) / len(present) if len(present) else None


def drift_report(reference: pd.DataFrame, latest: pd.DataFrame, features: list[str], *, psi_threshold: float,
                 source_column: str = "source_name", comparable_from: dict | None = None,
                 reference_scale: float = 1.0) -> pd.DataFrame:
    """Per feature and for the score: PSI and null rates, reference vs latest;
    per source: events per hour and its PSI term; the source mix as a whole.
    A row is a meta-alert when its PSI exceeds the threshold, or a source that
    sent events in the reference window sent none in the latest.

    comparable_from (column -> time) leaves a column's warm-up out of its
    reference: only reference rows at or after that time count (rows whose
    windows had filled). A column with no reference row left is not compared
    (psi null, no meta-alert): its windows are still filling. reference_scale
    is how many events each reference row stands for (a sampled reference)."""
    for name, frame in (("reference", reference), ("latest", latest)):
        if frame.empty:  # nothing to compare: that is the alert
            return pd.DataFrame([{"check_name": "volume", "subject": "all sources",
                                  "reference_value": len(reference) * reference_scale,
                                  "latest_value": len(latest), "psi": None, "is_meta_alert": True,
                                  "meta_alert_reason": f"no events in the {name} window",
                                  "reference_events": round(len(reference) * reference_scale),
                                  "comparable_from": pd.NaT}])
    comparable_from = comparable_from or {}
    rows = []
    for column in [*features, "score"]:
        since = comparable_from.get(column)
        compared = reference if since is None else reference[reference["event_at"] >= since]
        common = {"reference_events": round(len(compared) * reference_scale),
                  "comparable_from": pd.NaT if since is None else pd.Timestamp(since)}
        latest_values = feature_frame(latest, [column])[column].to_numpy()
        latest_nulls = float(np.isnan(latest_values).mean())
        if compared.empty:  # warming up: no reference to compare with yet
            rows.append({"check_name": "distribution", "subject": column, "reference_value": None,
                         "latest_value": mean_of_present(latest_values), "psi": None, **common})
            rows.append({"check_name": "null_rate", "subject": column, "reference_value": None,
                         "latest_value": latest_nulls, "psi": None, **common})
            continue
        reference_values = feature_frame(compared, [column])[column].to_numpy()
        rows.append({"check_name": "distribution", "subject": column,
                     "reference_value": mean_of_present(reference_values),
                     "latest_value": mean_of_present(latest_values),
                     "psi": psi(reference_values, latest_values), **common})
        reference_nulls = float(np.isnan(reference_values).mean())
        rows.append({"check_name": "null_rate", "subject": column,
                     "reference_value": reference_nulls, "latest_value": latest_nulls,
                     "psi": psi_from_shares([1 - reference_nulls, reference_nulls], [1 - latest_nulls, latest_nulls]),
                     **common})
    hours = {name: max((frame["event_at"].max() - frame["event_at"].min()) / pd.Timedelta(hours=1), 1.0)
             if len(frame) else 1.0 for name, frame in (("reference", reference), ("latest", latest))}
    common = {"reference_events": round(len(reference) * reference_scale), "comparable_from": pd.NaT}
    rows.append({"check_name": "source_mix", "subject": "all sources",
                 "reference_value": float(len(reference) * reference_scale / hours["reference"]),
                 "latest_value": float(len(latest) / hours["latest"]),
                 "psi": category_psi(reference[source_column], latest[source_column]), **common})
    for source in sorted(set(reference[source_column].dropna()) | set(latest[source_column].dropna())):
        rows.append({"check_name": "volume", "subject": source,
                     "reference_value": float((reference[source_column] == source).sum() * reference_scale
                                              / hours["reference"]),
                     "latest_value": float((latest[source_column] == source).sum() / hours["latest"]),
                     "psi": None, **common})
    report = pd.DataFrame(rows)
    silent = (report["check_name"] == "volume") & (report["reference_value"] > 0) & (report["latest_value"] == 0)
    drifted = report["psi"].astype(float).fillna(0) > psi_threshold
    report["is_meta_alert"] = drifted | silent
    report["meta_alert_reason"] = np.select([drifted, silent],
                                            [f"psi above {psi_threshold}", "source sent no events"], default=None)
    return report
