"""The MLflow side: a local tracking store and model registry, no server.

Training registers a new version and never touches the ``champion`` alias;
only ``secfeat promote`` (``set_champion``) moves it, and scoring loads
``models:/<name>@champion`` or refuses.

A build can be killed at any moment (kill -9, a reboot), so whatever opens
the store repairs what a dead process left, cheaply (issue #14):

- Relocation: MLflow writes absolute artifact paths into its SQLite file.
  When the store sits somewhere else than where they point (the project was
  moved or copied), they are rewritten to this store's ``artifacts`` folder,
  in one transaction, before MLflow reads them (``_relocate``).
- Killed runs: every run records the host, pid and start time of the process
  that runs it. A RUNNING run whose process is gone is marked FAILED, with its
  MLflow 3 logged models left PENDING by a log_model cut short
  (``fail_dead_runs``): by any training, promote or model load, and by the
  scheduled build's champion check (one SQLite read). A run of another host
  is judged only by a process that holds the warehouse it trained for.
- Versions the warehouse never recorded: see ``reconcile_versions``.
"""

from __future__ import annotations

import logging
import os
import socket
import sqlite3
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # secfeat.ml imports scikit-learn: seconds a build with nothing to score need not spend
    from secfeat.ml import TrainedModel

EXPERIMENT_NAME = "secfeat"
CHAMPION = "champion"
PREVIOUS_CHAMPION = "previous_champion"

# MLflow 3.17's UI shows an experiment's traces or its runs table by the
# sidebar's GenAI / Model training switch (a browser setting, or
# ?workflowType=machine_learning in the URL). The experiment kind tag is what
# the UI writes when one picks the kind of an experiment, and what UIs that
# read it (and MLflow's assistant) go by.
EXPERIMENT_KIND_TAG = "mlflow.experimentKind"
EXPERIMENT_KIND = "custom_model_development"
DEFAULT_EXPERIMENT_ID = "0"

# run tags: which process runs it (host, pid, and the pid's start time, as pids are reused)
RUN_HOST = "secfeat.host"
RUN_PID = "secfeat.pid"
RUN_PROCESS_STARTED = "secfeat.process_started"
RUN_BOOT_ID = "secfeat.boot_id"
# run and version tag: the warehouse that records the version, as a path relative to the store
WAREHOUSE_TAG = "secfeat.warehouse"
FAILED_BECAUSE_TAG = "secfeat.failed_because"

# version tag: has the warehouse recorded it (see reconcile_versions)
RECORD_TAG = "secfeat.warehouse_record"
PENDING = "pending"
RECORDED = "recorded"
UNRECORDED = "unrecorded"
ACCEPTED_UNRECORDED = "accepted_unrecorded"
UNPROMOTABLE = (PENDING, UNRECORDED)  # promote refuses these without --allow-unrecorded
UNRECORDED_BECAUSE_TAG = "secfeat.unrecorded_because"

# where MLflow keeps an absolute artifact path (MLflow 3.17's schema)
ARTIFACT_PATH_COLUMNS = (
    ("experiments", "artifact_location"),
    ("runs", "artifact_uri"),
    ("model_versions", "source"),
    ("model_versions", "storage_location"),
    ("logged_models", "artifact_location"),
)
LOGGED_MODEL_PENDING = 1  # logged_models.status, MLflow's LoggedModelStatus proto

log = logging.getLogger(__name__)


class NoChampionError(RuntimeError):
    """Scoring was asked for the champion of a model that has none."""


class UnrecordedVersionError(RuntimeError):
    """A version the warehouse never recorded was about to become an alias."""


def tracking_uri(tracking_dir: str | Path) -> str:
    """A local SQLite tracking store (it also holds the model registry)."""
    path = Path(tracking_dir).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path / 'mlflow.db'}"


def _database(tracking_dir: str | Path) -> Path:
    return Path(tracking_dir).resolve() / "mlflow.db"


def artifact_root(tracking_dir: str | Path) -> str:
    return (Path(tracking_dir).resolve() / "artifacts").as_uri()


def _import_mlflow():
    """mlflow, imported late: it is slow to import."""
    # a local store on machines that may have no internet: send no usage telemetry
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    import mlflow

    return mlflow


def _mlflow(tracking_dir: str | Path):
    """mlflow, pointed at the local store, the store relocated here if it was
    moved and its dead runs failed."""
    _relocate(tracking_dir)
    mlflow = _import_mlflow()
    from mlflow.exceptions import MlflowException

    mlflow.set_tracking_uri(tracking_uri(tracking_dir))
    experiment = mlflow.get_experiment_by_name(EXPERIMENT_NAME)
    if experiment is None:
        try:
            mlflow.create_experiment(EXPERIMENT_NAME, artifact_location=artifact_root(tracking_dir),
                                     tags={EXPERIMENT_KIND_TAG: EXPERIMENT_KIND})
        except MlflowException:  # another process created it first
            if mlflow.get_experiment_by_name(EXPERIMENT_NAME) is None:
                raise
        _retire_empty_default_experiment(mlflow.MlflowClient(), tracking_dir)
    elif experiment.tags.get(EXPERIMENT_KIND_TAG) != EXPERIMENT_KIND:  # a store older secfeat made
        mlflow.MlflowClient().set_experiment_tag(experiment.experiment_id, EXPERIMENT_KIND_TAG, EXPERIMENT_KIND)
        _retire_empty_default_experiment(mlflow.MlflowClient(), tracking_dir)
    mlflow.set_experiment(EXPERIMENT_NAME)
    fail_dead_runs(tracking_dir)
    return mlflow


def _client(tracking_dir: str | Path):
    mlflow = _mlflow(tracking_dir)
    return mlflow.MlflowClient()


def _retire_empty_default_experiment(client, tracking_dir: str | Path) -> None:
    """Soft-delete MLflow's Default experiment while nothing is in it: the UI
    then lists secfeat's alone (`mlflow experiments restore --experiment-id 0`
    brings it back)."""
    with _store_file(tracking_dir) as con:
        active = _count(con, "select count(*) from experiments where experiment_id = 0 and lifecycle_stage = 'active'")
        used = sum(_count(con, f"select count(*) from {table} where experiment_id = 0")
                   for table in ("runs", "logged_models", "trace_info"))
    if active and not used:
        from mlflow.exceptions import MlflowException

        try:
            client.delete_experiment(DEFAULT_EXPERIMENT_ID)
        except MlflowException:  # another process opening the store deleted it first
            pass


def _count(con: sqlite3.Connection, sql: str) -> int:
    try:
        return con.execute(sql).fetchone()[0]
    except sqlite3.OperationalError:  # a table this MLflow version does not have
        return 0


@contextmanager
def _store_file(tracking_dir: str | Path, read_only: bool = True):
    """The store's SQLite file, straight (milliseconds, where MLflow's API takes seconds to import)."""
    mode = "ro" if read_only else "rw"
    # autocommit: a write says `begin immediate` itself; a busy store is waited for
    con = sqlite3.connect(f"file:{_database(tracking_dir)}?mode={mode}", uri=True, timeout=60, isolation_level=None)
    try:
        yield con
    finally:
        con.close()


def _relocate(tracking_dir: str | Path) -> bool:
    """Point the store's artifact paths at its own artifacts folder when they
    point elsewhere: the store was moved or copied (each copy fixes itself the
    first time it is opened). One prefix replacement per column, in one
    transaction, checked again inside it (two processes may open a copy at
    once). Only a root of secfeat's layout (a file: URI ending in /artifacts)
    is rewritten. Returns whether it rewrote anything."""
    if not _database(tracking_dir).exists():
        return False
    here = artifact_root(tracking_dir)
    with _store_file(tracking_dir) as con:
        if not _moved_from(con, here):  # the usual case: one query
            return False
    with _store_file(tracking_dir, read_only=False) as con:
        con.execute("begin immediate")
        try:
            old = _moved_from(con, here)
            for table, column in ARTIFACT_PATH_COLUMNS if old else ():
                if column not in {row[1] for row in con.execute(f"pragma table_info({table})")}:
                    continue
                # the root itself, or a path below it (not a sibling that merely starts the same)
                con.execute(f"update {table} set {column} = ? || substr({column}, length(?) + 1) "
                            f"where {column} = ? or substr({column}, 1, length(?) + 1) = ? || '/'",
                            (here, old, old, old, old))
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    if old:
        log.warning("MLflow store %s was moved or copied: its artifact paths now point at %s (were %s)",
                    _database(tracking_dir).parent, here, old)
    return bool(old)


def _moved_from(con: sqlite3.Connection, here: str) -> str | None:
    """The artifact root the store records, when it is secfeat's layout somewhere else than `here`."""
    row = con.execute("select artifact_location from experiments where name = ?", (EXPERIMENT_NAME,)).fetchone()
    old = row[0] if row else None
    if old is None or old == here or not (old.startswith("file:") and old.endswith("/artifacts")):
        return None
    return old


# --- processes: which one runs a run, and whether it is still alive ---

def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def _proc_stat(pid: int) -> tuple[str, str] | None:
    """(state, start time in clock ticks since boot) from /proc, None when there is no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()  # after the command name, which may hold spaces
    return fields[0], fields[19]  # fields 3 and 22 of proc(5)


def _has_proc() -> bool:
    return Path("/proc/self/stat").exists()


def this_process() -> dict[str, str]:
    """The run tags naming this process."""
    stat = _proc_stat(os.getpid()) if _has_proc() else None
    return {RUN_HOST: socket.gethostname(), RUN_PID: str(os.getpid()),
            RUN_PROCESS_STARTED: stat[1] if stat else "", RUN_BOOT_ID: _boot_id()}


def process_is_gone(tags: dict[str, str]) -> bool:
    """Whether the process the run tags name has ended. Only a process of this
    host can be judged: a run without these tags (a notebook, older secfeat)
    or of another host is never called dead."""
    if tags.get(RUN_HOST) != socket.gethostname() or not tags.get(RUN_PID, "").isdigit():
        return False
    if tags.get(RUN_BOOT_ID) and _boot_id() and tags[RUN_BOOT_ID] != _boot_id():
        return True  # the host rebooted since
    pid = int(tags[RUN_PID])
    if not _has_proc():  # no /proc (macOS): whether the pid exists, reused or not
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            pass
        return False
    stat = _proc_stat(pid)
    if stat is None:
        return True
    state, started = stat
    # a zombie has ended; another start time is another process that got the pid
    return state == "Z" or bool(tags.get(RUN_PROCESS_STARTED)) and started != tags[RUN_PROCESS_STARTED]


def _is_this_process(tags: dict[str, str]) -> bool:
    return tags.get(RUN_HOST) == socket.gethostname() and tags.get(RUN_PID) == str(os.getpid())


def fail_dead_runs(tracking_dir: str | Path, warehouse_key: str | None = None) -> list[str]:
    """Mark FAILED each RUNNING run whose process is gone (process_is_gone),
    and each logged model still PENDING whose run has ended. With
    `warehouse_key`, the caller holds that warehouse (DuckDB's lock: no
    training for it runs meanwhile), so a run of a training for it is over
    unless this process runs it, whichever host started it. One read of the
    SQLite file when nothing is dead. Returns the run ids it failed."""
    if not _database(tracking_dir).exists():
        return []
    running: dict[str, dict[str, str]] = {}
    try:
        with _store_file(tracking_dir) as con:
            for run_id, key, value in con.execute(
                    "select runs.run_uuid, tags.key, tags.value from runs left join tags on "
                    "tags.run_uuid = runs.run_uuid and tags.key like 'secfeat.%' where runs.status = 'RUNNING'"):
                running.setdefault(run_id, {})
                if key is not None:
                    running[run_id][key] = value
            pending_models = con.execute(
                "select logged_models.model_id, logged_models.source_run_id from logged_models "
                "join runs on runs.run_uuid = logged_models.source_run_id "
                "where logged_models.status = ?", (LOGGED_MODEL_PENDING,)).fetchall()
    except sqlite3.Error:  # a schema this code does not know (a future MLflow): judge nothing
        return []
    dead = {}
    for run_id, tags in running.items():
        if process_is_gone(tags):
            dead[run_id] = (f"its process (pid {tags[RUN_PID]} on {tags[RUN_HOST]}) ended before the run did: "
                            "killed, or the host went down")
        elif warehouse_key and tags.get(WAREHOUSE_TAG) == warehouse_key and not _is_this_process(tags):
            dead[run_id] = (f"a training for warehouse {warehouse_key} that ended before the run did: the next "
                            "process to hold that warehouse found it still RUNNING")
    orphans = [model_id for model_id, run_id in pending_models if run_id in dead or run_id not in running]
    if not dead and not orphans:
        return []
    mlflow = _import_mlflow()
    from mlflow.entities import LoggedModelStatus

    client = mlflow.MlflowClient(tracking_uri(tracking_dir))
    for model_id in orphans:  # first: a run left RUNNING is found again by the next process
        client.finalize_logged_model(model_id, LoggedModelStatus.FAILED)
    for run_id, because in dead.items():
        client.set_tag(run_id, FAILED_BECAUSE_TAG, because)
        client.set_terminated(run_id, "FAILED")
        log.warning("MLflow run %s was left RUNNING: marked FAILED (%s)", run_id, because)
    return list(dead)


# --- versions the warehouse records ---

def warehouse_key(tracking_dir: str | Path, warehouse: str | Path) -> str:
    """A warehouse as the store names it: its path relative to the store, so
    the name survives moving or copying the project with both inside."""
    return os.path.relpath(Path(warehouse).resolve(), Path(tracking_dir).resolve())


def reconcile_versions(tracking_dir: str | Path, model_name: str, warehouse: str | Path,
                       recorded: tuple[str, str] | None) -> list[str]:
    """Settle the versions a training for `warehouse` registered, against
    what that warehouse recorded (`recorded`: its ml_login_model_training
    row's (model_version, mlflow_run_id), None when it has none). Returns the
    versions it found unrecorded.

    Why: a training registers its version in MLflow, then dbt commits the
    warehouse's row naming it; a process killed in between leaves a version
    no warehouse row describes. So a training registers its version tagged
    ``pending`` with the warehouse's name. The caller holds the warehouse
    (the training: dbt's writer lock; promote: a connection a writer cannot
    open beside), so no training for it runs meanwhile and every pending
    version of that warehouse is final: the one its row names becomes
    ``recorded``; any other is ``unrecorded``, loses its aliases and is
    refused by promote unless asked with --allow-unrecorded (then
    ``accepted_unrecorded``). The training always reconciles before it
    registers, so the row that names a version is read before the next
    training replaces it. A version without the tag (registered by these
    functions directly, or by secfeat before #14) is left as it is. No alias
    is left on an unrecorded version, whoever set it."""
    key = warehouse_key(tracking_dir, warehouse)
    client = _client(tracking_dir)
    fail_dead_runs(tracking_dir, warehouse_key=key)
    records, found = {}, []
    for version in client.search_model_versions(f"name = '{model_name}'"):
        number, tags = str(version.version), version.tags
        records[number] = tags.get(RECORD_TAG)
        if records[number] != PENDING or tags.get(WAREHOUSE_TAG) != key:
            continue
        if recorded is not None and (str(recorded[0]), recorded[1]) == (number, version.run_id):
            client.set_model_version_tag(model_name, number, RECORD_TAG, RECORDED)
            records[number] = RECORDED
            continue
        names = f"names v{recorded[0]}" if recorded is not None else "names none"
        client.set_model_version_tag(
            model_name, number, UNRECORDED_BECAUSE_TAG,
            f"its training ended before warehouse {key} recorded it (its ml_login_model_training row {names})")
        client.set_model_version_tag(model_name, number, RECORD_TAG, UNRECORDED)
        records[number] = UNRECORDED
        found.append(number)
        log.warning("Version %s of %s was registered but warehouse %s never recorded it: flagged %s",
                    number, model_name, key, UNRECORDED)
    if any(record == UNRECORDED for record in records.values()):
        # the registered model's aliases (search_model_versions leaves a version's out)
        for alias, number in client.get_registered_model(model_name).aliases.items():
            if records.get(str(number)) == UNRECORDED:
                client.delete_registered_model_alias(model_name, alias)
                log.warning("Removed alias %s from unrecorded version %s of %s", alias, number, model_name)
    return found


def log_and_register(model: TrainedModel, tracking_dir: str | Path, model_name: str, *,
                     params: dict | None = None, tags: dict | None = None,
                     feature_definitions: str | None = None, warehouse: str | Path | None = None,
                     warehouse_record: tuple[str, str] | None = None) -> tuple[str, str]:
    """Log the pipeline with its parameters, training window, metrics and
    feature definitions, and register it as a new version. Returns (run_id, version).

    `warehouse`: the warehouse that will record the version (the training
    model's); its versions are reconciled first against `warehouse_record`,
    what it recorded so far (reconcile_versions), and the new one is
    registered ``pending`` until a later reconciliation finds it recorded."""
    if warehouse is not None:
        reconcile_versions(tracking_dir, model_name, warehouse, warehouse_record)
    mlflow = _mlflow(tracking_dir)
    from mlflow.models import ModelSignature
    from mlflow.types import ColSpec, Schema

    from secfeat.ml import SKOPS_TRUSTED_TYPES

    estimator = model.pipeline[-1]
    hyperparameters = {f"model.{key}": value for key, value in estimator.get_params().items()
                       if isinstance(value, (int, float, str, bool)) or value is None}
    record = {RECORD_TAG: PENDING, WAREHOUSE_TAG: warehouse_key(tracking_dir, warehouse)} \
        if warehouse is not None else {}
    # set with the run, in one insert: a run killed at any point after says which process it was
    run_tags = {**this_process(), **({WAREHOUSE_TAG: record[WAREHOUSE_TAG]} if record else {})}
    with mlflow.start_run(run_name=run_name(model_name, model), tags=run_tags) as run:
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
            serialization_format="skops",
            skops_trusted_types=SKOPS_TRUSTED_TYPES,
            # stated, not inferred: inference loads the model in a subprocess (seconds per run)
            pip_requirements=_pip_requirements(),
            # features are counts and flags, but the pipeline reads them as doubles
            signature=ModelSignature(inputs=Schema([ColSpec("double", name) for name in model.features])),
        )
        # the version and its tags in one insert: it is never without its pending mark
        registered = mlflow.register_model(info.model_uri, model_name, tags={
            key: str(value) for key, value in {"algorithm": model.algorithm, **model.window, **(tags or {}),
                                               **record}.items()})
    return run.info.run_id, str(registered.version)


def run_name(model_name: str, model: TrainedModel) -> str:
    """What the run trained, as the MLflow UI lists it."""
    return f"{model_name} {model.algorithm} until {str(model.window['train_until'])[:16]}"


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
    # RECORD_TAG: None for a version no warehouse records (registered directly)
    record: str | None = None

    @property
    def train_until(self) -> str:
        return self.params.get("train_until", "")

    @property
    def promotable(self) -> bool:
        """Not a version the warehouse never recorded, nor one still awaiting its record."""
        return self.record not in UNPROMOTABLE


def _describe(client, model_version) -> RegisteredVersion:
    run = client.get_run(model_version.run_id)
    return RegisteredVersion(model_version.name, str(model_version.version), model_version.run_id,
                             dict(run.data.params), dict(run.data.metrics), list(model_version.aliases),
                             model_version.tags.get(RECORD_TAG))


def registered_versions(tracking_dir: str | Path, model_name: str) -> list[str]:
    client = _client(tracking_dir)
    versions = client.search_model_versions(f"name = '{model_name}'")
    return sorted((str(v.version) for v in versions), key=int)


def promotable_versions(tracking_dir: str | Path, model_name: str) -> list[str]:
    """The registered versions but those pending or unrecorded (RegisteredVersion.promotable)."""
    client = _client(tracking_dir)
    versions = client.search_model_versions(f"name = '{model_name}'")
    return sorted((str(v.version) for v in versions if v.tags.get(RECORD_TAG) not in UNPROMOTABLE), key=int)


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
    if not _database(tracking_dir).exists():
        return None
    try:
        with _store_file(tracking_dir) as con:
            rows = con.execute("select version from registered_model_aliases where name = ? and alias = ?",
                               (model_name, CHAMPION)).fetchall()
    except sqlite3.Error:
        current = champion(tracking_dir, model_name)
        return current.version if current else None
    return str(rows[0][0]) if rows else None


def require_champion(tracking_dir: str | Path, model_name: str) -> str:
    """champion_version, or NoChampionError saying what to run. Every
    scheduled build calls it, so it also fails the runs of killed processes
    (fail_dead_runs: a read of the SQLite file, MLflow only if one is dead)."""
    fail_dead_runs(tracking_dir)
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
    candidates = promotable_versions(tracking_dir, model_name)
    compare = (f"compare the latest with `secfeat promote --model {model_name} --version {candidates[-1]}` and "
               "promote it by adding --yes" if candidates else
               "none was recorded by the warehouse (their trainings died): train again with secfeat train")
    return (f"Model {model_name!r} has versions {', '.join(versions)} {where}, but none is the champion. "
            f"Training never promotes by itself: {compare}.")


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


def set_champion(tracking_dir: str | Path, model_name: str, version: str, note: str = "",
                 allow_unrecorded: bool = False) -> None:
    """Point the champion alias at a version (the previous one keeps a
    ``previous_champion`` alias, for a rollback). A version the warehouse
    never recorded is refused (UnrecordedVersionError) unless
    `allow_unrecorded`: then it is marked accepted, and keeps the alias."""
    client = _client(tracking_dir)
    record = client.get_model_version(model_name, version).tags.get(RECORD_TAG)
    if record == UNRECORDED:
        if not allow_unrecorded:
            raise UnrecordedVersionError(
                f"version {version} of {model_name} was registered by a training the warehouse never recorded "
                "(the process died before dbt committed it): it is not promoted without --allow-unrecorded")
        client.set_model_version_tag(model_name, version, RECORD_TAG, ACCEPTED_UNRECORDED)
    previous = champion(tracking_dir, model_name)
    if previous is not None and previous.version != version:
        client.set_registered_model_alias(model_name, PREVIOUS_CHAMPION, previous.version)
    client.set_registered_model_alias(model_name, CHAMPION, version)
    if note:
        client.set_model_version_tag(model_name, version, "promotion_note", note)

