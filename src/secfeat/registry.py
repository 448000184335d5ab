"""The MLflow side: a local tracking store and model registry, no server.

Training registers a new version and never touches the ``champion`` alias;
only ``secfeat promote`` (``set_champion``) moves it, and scoring loads
``models:/<name>@champion`` or refuses.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # secfeat.ml imports scikit-learn: seconds a build with nothing to score need not spend
    from secfeat.ml import TrainedModel

EXPERIMENT_NAME = "secfeat"
CHAMPION = "champion"


class NoChampionError(RuntimeError):
    """Scoring was asked for the champion of a model that has none."""


def tracking_uri(tracking_dir: str | Path) -> str:
    """A local SQLite tracking store (it also holds the model registry)."""
    path = Path(tracking_dir).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path / 'mlflow.db'}"


def _mlflow(tracking_dir: str | Path):
    """mlflow, pointed at the local store (imported late: it is slow to import)."""
    # a local store on machines that may have no internet: send no usage telemetry
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    import mlflow

    mlflow.set_tracking_uri(tracking_uri(tracking_dir))
    if mlflow.get_experiment_by_name(EXPERIMENT_NAME) is None:
        artifacts = (Path(tracking_dir).resolve() / "artifacts").as_uri()
        mlflow.create_experiment(EXPERIMENT_NAME, artifact_location=artifacts)
    mlflow.set_experiment(EXPERIMENT_NAME)
    return mlflow


def _client(tracking_dir: str | Path):
    mlflow = _mlflow(tracking_dir)
    return mlflow.MlflowClient()


def log_and_register(model: TrainedModel, tracking_dir: str | Path, model_name: str, *,
                     params: dict | None = None, tags: dict | None = None,
                     feature_definitions: str | None = None) -> tuple[str, str]:
    """Log the pipeline with its parameters, training window, metrics and
    feature definitions, and register it as a new version. Returns (run_id, version)."""
    from mlflow.models import ModelSignature
    from mlflow.types import ColSpec, Schema

    from secfeat.ml import SKOPS_TRUSTED_TYPES

    mlflow = _mlflow(tracking_dir)
    estimator = model.pipeline[-1]
    hyperparameters = {f"model.{key}": value for key, value in estimator.get_params().items()
                       if isinstance(value, (int, float, str, bool)) or value is None}
    with mlflow.start_run() as run:
        mlflow.log_params({
            "algorithm": model.algorithm,
            "features": ",".join(model.features),
            **model.window,
            **hyperparameters,
            **(params or {}),
        })
        mlflow.set_tags(tags or {})
        mlflow.log_metrics({name: value for name, value in model.metrics.items() if not np.isnan(value)})
        for row in model.by_technique.to_dict("records"):
            mlflow.log_metrics({f"eval_{name}.{row['technique']}": float(value) for name, value in row.items()
                                if name != "technique" and not np.isnan(value)})
        if len(model.by_technique):
            mlflow.log_table(model.by_technique, "eval_by_technique.json")
        if feature_definitions:
            mlflow.log_text(feature_definitions, "feature_definitions.json")
        info = mlflow.sklearn.log_model(
            model.pipeline,
            name="model",
            registered_model_name=model_name,
            serialization_format="skops",
            skops_trusted_types=SKOPS_TRUSTED_TYPES,
            # stated, not inferred: inference loads the model in a subprocess (seconds per run)
            pip_requirements=_pip_requirements(),
            # features are counts and flags, but the pipeline reads them as doubles
            signature=ModelSignature(inputs=Schema([ColSpec("double", name) for name in model.features])),
        )
    version = str(info.registered_model_version)
    client = mlflow.MlflowClient()
    for key, value in {"algorithm": model.algorithm, **model.window, **(tags or {})}.items():
        client.set_model_version_tag(model_name, version, key, str(value))
    return run.info.run_id, version


def _pip_requirements() -> list[str]:
    from importlib.metadata import version

    return [f"{package}=={version(package)}" for package in ("scikit-learn", "skops", "numpy", "pandas")]


@dataclass
class RegisteredVersion:
    name: str
    version: str
    run_id: str
    params: dict[str, str]
    metrics: dict[str, float]
    aliases: list[str]

    @property
    def train_until(self) -> str:
        return self.params.get("train_until", "")


def _describe(client, model_version) -> RegisteredVersion:
    run = client.get_run(model_version.run_id)
    return RegisteredVersion(model_version.name, str(model_version.version), model_version.run_id,
                             dict(run.data.params), dict(run.data.metrics), list(model_version.aliases))


def registered_versions(tracking_dir: str | Path, model_name: str) -> list[str]:
    client = _client(tracking_dir)
    versions = client.search_model_versions(f"name = '{model_name}'")
    return sorted((str(v.version) for v in versions), key=int)


def describe_version(tracking_dir: str | Path, model_name: str, version: str) -> RegisteredVersion:
    client = _client(tracking_dir)
    return _describe(client, client.get_model_version(model_name, version))


def champion(tracking_dir: str | Path, model_name: str) -> RegisteredVersion | None:
    from mlflow.exceptions import MlflowException

    client = _client(tracking_dir)
    try:
        return _describe(client, client.get_model_version_by_alias(model_name, CHAMPION))
    except MlflowException:  # no such model, or no such alias
        return None


def champion_version(tracking_dir: str | Path, model_name: str) -> str | None:
    """The champion's version number, read straight from the store's SQLite
    file (milliseconds, where importing MLflow and opening its store takes
    seconds): what a build with nothing new to score checks. None when there
    is no champion; the store's own API (champion()) when the file does not
    have the registry's alias table, e.g. a future schema."""
    database = Path(tracking_dir).resolve() / "mlflow.db"
    if not database.exists():
        return None
    try:
        con = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
        try:
            rows = con.execute("select version from registered_model_aliases where name = ? and alias = ?",
                               (model_name, CHAMPION)).fetchall()
        finally:
            con.close()
    except sqlite3.Error:
        current = champion(tracking_dir, model_name)
        return current.version if current else None
    return str(rows[0][0]) if rows else None


def require_champion(tracking_dir: str | Path, model_name: str) -> str:
    """champion_version, or NoChampionError saying what to run."""
    version = champion_version(tracking_dir, model_name)
    if version is None:
        raise NoChampionError(no_champion_message(tracking_dir, model_name))
    return version


def no_champion_message(tracking_dir: str | Path, model_name: str) -> str:
    versions = registered_versions(tracking_dir, model_name)
    where = f"in the MLflow store {Path(tracking_dir).resolve()}"
    if not versions:
        return (f"No version of model {model_name!r} is registered {where}, so there is no champion to score with. "
                "Train one (secfeat train, or dbt build --select ml_login_model_training), compare it and "
                "promote it: "
                f"secfeat promote --model {model_name} --yes")
    return (f"Model {model_name!r} has versions {', '.join(versions)} {where}, but none is the champion. "
            "Training never promotes by itself: compare the latest with "
            f"`secfeat promote --model {model_name} --version {versions[-1]}` and promote it by adding --yes.")


def load_champion(tracking_dir: str | Path, model_name: str):
    """(pipeline, RegisteredVersion) of models:/<name>@champion; NoChampionError when there is none."""
    current = champion(tracking_dir, model_name)
    if current is None:
        raise NoChampionError(no_champion_message(tracking_dir, model_name))
    # by the version just resolved: a promotion in between cannot mislabel the scores
    return load_version(tracking_dir, model_name, current.version), current


# dbt runs Python models in threads of one process, and CPython 3.11 parsing
# in two threads at once can fail ("AST constructor recursion depth
# mismatch"); loading a model parses a header per array, so one load at a time.
_LOADING = threading.Lock()


def load_model(tracking_dir: str | Path, uri: str):
    with _LOADING:
        return _mlflow(tracking_dir).sklearn.load_model(uri)


def load_version(tracking_dir: str | Path, model_name: str, version: str):
    return load_model(tracking_dir, f"models:/{model_name}/{version}")


def set_champion(tracking_dir: str | Path, model_name: str, version: str, note: str = "") -> None:
    """Point the champion alias at a version (the previous one keeps a
    ``previous_champion`` alias, for a rollback)."""
    client = _client(tracking_dir)
    previous = champion(tracking_dir, model_name)
    if previous is not None and previous.version != version:
        client.set_registered_model_alias(model_name, "previous_champion", previous.version)
    client.set_registered_model_alias(model_name, CHAMPION, version)
    if note:
        client.set_model_version_tag(model_name, version, "promotion_note", note)
