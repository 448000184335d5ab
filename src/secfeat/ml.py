"""Training and scoring on the shared features, tracked in MLflow.

The dbt Python models in ``python_models/`` are thin: they read the feature
tables and call these functions, so the logic is tested with pytest.
Preprocessing lives inside the scikit-learn Pipeline that is logged, so
scoring can never use a different transformation than training.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.ensemble import IsolationForest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

# The feature columns a login model reads, in the order the pipeline expects:
# the shared features of macros/features/feature_definitions.sql.
LOGIN_FEATURES = [
    "failed_logins_1h",
    "failed_logins_24h",
    "successful_logins_7d",
    "distinct_src_ips_24h",
    "login_geo_diversity_7d",
    "privileged_action_count_24h",
    "rare_process_count_24h",
    "is_new_src_ip_30d",
    "distinct_users_failed_1h",
]

# skops refuses to load types it was not told to trust. These are the ones our
# pipelines contain beyond plain sklearn estimators: numpy's log1p in the
# transformer and the tree storage of the isolation forest. Models are only
# ever loaded from this project's own local MLflow store.
SKOPS_TRUSTED_TYPES = ["numpy.log1p", "numpy.ufunc", "sklearn.tree._tree.Tree"]

EXPERIMENT_NAME = "secfeat"


@dataclass
class TrainedModel:
    pipeline: Pipeline
    kind: str
    features: list[str]
    metrics: dict[str, float] = field(default_factory=dict)
    train_rows: int = 0
    eval_rows: int = 0
    train_until: pd.Timestamp | None = None


def build_pipeline(kind: str, seed: int = 0) -> Pipeline:
    """log1p (counts are heavy-tailed) -> standard scaling -> the estimator."""
    if kind == "supervised":
        estimator = LogisticRegression(class_weight="balanced", max_iter=1000, random_state=seed)
    elif kind == "unsupervised":
        estimator = IsolationForest(n_estimators=200, random_state=seed)
    else:
        raise ValueError(f"unknown model kind {kind!r}: use 'supervised' or 'unsupervised'")
    return Pipeline(
        [
            ("log1p", FunctionTransformer(np.log1p, feature_names_out="one-to-one")),
            ("scale", StandardScaler()),
            ("model", estimator),
        ]
    )


def feature_matrix(frame: pd.DataFrame, features: list[str]) -> pd.DataFrame:
    """The features as floats; a feature with no value (e.g. per-IP features
    of a logon without a source IP) reads 0."""
    return frame[features].astype("float64").fillna(0.0)


def risk_scores(pipeline: Pipeline, frame: pd.DataFrame, features: list[str]) -> np.ndarray:
    """Scores in [0, 1], higher is riskier, for either kind of pipeline."""
    matrix = feature_matrix(frame, features)
    if hasattr(pipeline, "predict_proba") and hasattr(pipeline[-1], "predict_proba"):
        return pipeline.predict_proba(matrix)[:, 1]
    # IsolationForest: score_samples is minus the anomaly score, which lies in (0, 1].
    return np.clip(-pipeline.score_samples(matrix), 0.0, 1.0)


def time_split(frame: pd.DataFrame, time_column: str, train_fraction: float = 0.7):
    """Train on the earlier part of the period, evaluate on the later part."""
    if frame.empty:
        raise ValueError("no rows to train on: build the feature tables first")
    ordered = frame.sort_values(time_column, kind="stable")
    cut = ordered[time_column].quantile(train_fraction, interpolation="nearest")
    return ordered[ordered[time_column] <= cut], ordered[ordered[time_column] > cut], cut


def precision_at_k(labels: np.ndarray, scores: np.ndarray, k: int) -> float:
    if len(labels) == 0:
        return float("nan")
    k = min(k, len(labels))
    top = np.argsort(-scores, kind="stable")[:k]
    return float(np.asarray(labels)[top].mean())


def evaluate(labels: np.ndarray, scores: np.ndarray) -> dict[str, float]:
    labels = np.asarray(labels, dtype=int)
    metrics = {
        "eval_positives": float(labels.sum()),
        "precision_at_100": precision_at_k(labels, scores, 100),
    }
    if 0 < labels.sum() < len(labels):
        metrics["roc_auc"] = float(roc_auc_score(labels, scores))
    return metrics


def train(frame: pd.DataFrame, features: list[str], label_column: str, time_column: str,
          kind: str = "auto", seed: int = 0) -> TrainedModel:
    """Fit on the earlier 70% of the period and measure on the rest.
    kind='auto' is supervised when the training period has both classes."""
    train_rows, eval_rows, cut = time_split(frame, time_column)
    labels = train_rows[label_column].astype(int)
    if kind == "auto":
        kind = "supervised" if labels.nunique() == 2 else "unsupervised"
    pipeline = build_pipeline(kind, seed)
    matrix = feature_matrix(train_rows, features)
    if kind == "supervised":
        pipeline.fit(matrix, labels)
    else:
        pipeline.fit(matrix)
    model = TrainedModel(pipeline, kind, list(features), train_rows=len(train_rows),
                         eval_rows=len(eval_rows), train_until=cut)
    if len(eval_rows):
        model.metrics = evaluate(eval_rows[label_column].to_numpy(), risk_scores(pipeline, eval_rows, features))
    return model


def severity(scores: np.ndarray, threshold: float) -> np.ndarray:
    """Bands above the alert threshold: the top tenth of the remaining range is critical."""
    scores = np.asarray(scores, dtype=float)
    span = max(1.0 - threshold, 1e-9)
    position = (scores - threshold) / span + 1e-9  # 0.95 sits on the 0.9..1.0 midpoint, not below it
    return np.select(
        [scores < threshold, position >= 0.9, position >= 0.5],
        ["none", "critical", "high"],
        default="medium",
    )


# ---------------------------------------------------------------- MLflow


def tracking_uri(tracking_dir: str | Path) -> str:
    """A local SQLite tracking store (it also holds the model registry)."""
    path = Path(tracking_dir).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path / 'mlflow.db'}"


def _client(tracking_dir: str | Path):
    """mlflow, pointed at the local store (imported late: it is slow to import)."""
    import mlflow

    mlflow.set_tracking_uri(tracking_uri(tracking_dir))
    artifacts = (Path(tracking_dir).resolve() / "artifacts").as_uri()
    if mlflow.get_experiment_by_name(EXPERIMENT_NAME) is None:
        mlflow.create_experiment(EXPERIMENT_NAME, artifact_location=artifacts)
    mlflow.set_experiment(EXPERIMENT_NAME)
    return mlflow


def log_and_register(model: TrainedModel, tracking_dir: str | Path, model_name: str,
                     params: dict | None = None, tags: dict | None = None) -> tuple[str, str]:
    """Log the pipeline, its parameters and metrics; register a new version.
    Returns (run_id, model_version)."""
    from mlflow.models import ModelSignature
    from mlflow.types import ColSpec, Schema

    mlflow = _client(tracking_dir)
    with mlflow.start_run() as run:
        mlflow.log_params({
            "kind": model.kind,
            "features": ",".join(model.features),
            "train_rows": model.train_rows,
            "eval_rows": model.eval_rows,
            "train_until": str(model.train_until),
            **(params or {}),
        })
        mlflow.set_tags(tags or {})
        mlflow.log_metrics({k: v for k, v in model.metrics.items() if not np.isnan(v)})
        info = mlflow.sklearn.log_model(
            model.pipeline,
            name="model",
            registered_model_name=model_name,
            serialization_format="skops",
            skops_trusted_types=SKOPS_TRUSTED_TYPES,
            # features are counts, but the pipeline reads them as doubles
            signature=ModelSignature(inputs=Schema([ColSpec("double", name) for name in model.features])),
        )
    return run.info.run_id, str(info.registered_model_version)


def load_registered(tracking_dir: str | Path, model_name: str, version: str) -> Pipeline:
    mlflow = _client(tracking_dir)
    return mlflow.sklearn.load_model(f"models:/{model_name}/{version}")
