"""Crash safety of the MLflow store (issue #14): runs of processes killed
with SIGKILL, versions registered but never recorded by the warehouse, a
store moved or copied with its project, and what the MLflow UI opens on.

Real MLflow on a local store, real processes killed with SIGKILL; training
is registry.log_and_register on a small pipeline, as the training model
calls it, without a dbt build."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from secfeat import ml, registry
from secfeat.promote import promote
from secfeat.warehouse import connect_build
from test_ml import FEATURES, labelled_rows

MODEL = "login_risk"
TESTS_DIR = Path(__file__).resolve().parent

# A training in another process, killed with SIGKILL where the issue saw
# builds die. during_log_model: in log_model, the model's files not yet
# written (the run RUNNING, its logged model PENDING). after_register: the
# version registered, dbt about to commit the warehouse's row.
VICTIM = """
import sys, time

import mlflow

from secfeat import ml, registry
from secfeat.promote import warehouse_record
from secfeat.warehouse import connect_build
from test_ml import FEATURES, labelled_rows

tracking, stage, model_name, warehouse = sys.argv[1:]
model = ml.train(labelled_rows(500, seed=2), FEATURES, "logistic_regression", threshold=0.9)
if stage == "during_log_model":
    def stop_here(client, model_id, local_dir):
        print(mlflow.active_run().info.run_id, flush=True)
        time.sleep(600)

    mlflow.MlflowClient.log_model_artifacts = stop_here
    registry.log_and_register(model, tracking, model_name)
else:
    # as the training model does, holding the warehouse as dbt does
    con = connect_build(warehouse)
    run_id, version = registry.log_and_register(model, tracking, model_name, warehouse=warehouse,
                                                warehouse_record=warehouse_record(con, model_name))
    print(run_id, version, flush=True)
    time.sleep(600)
"""


class Victim:
    """A training process, stopped at `stage` until it is killed."""

    def __init__(self, tracking: Path, stage: str, warehouse: Path | str = ""):
        workdir = tracking.parent
        self.stderr = workdir / f"victim_{stage}_{id(self)}.log"
        with self.stderr.open("w") as stderr:  # a file, not a pipe: MLflow's chatter never blocks it
            self.process = subprocess.Popen(
                [sys.executable, "-c", VICTIM, str(tracking), stage, MODEL, str(warehouse)],
                stdout=subprocess.PIPE, stderr=stderr, text=True, cwd=workdir,
                env={**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS_DIR), os.environ.get("PYTHONPATH", "")])})

    def stopped(self) -> list[str]:
        """What it printed where it stopped (waits for it)."""
        line = self.process.stdout.readline()
        if not line:
            pytest.fail(f"the victim process ended before its stop: {self.stderr.read_text()[-3000:]}")
        return line.split()

    def kill(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def end(self) -> None:
        if self.process.poll() is None:
            self.kill()
        self.process.stdout.close()


@pytest.fixture(scope="module")
def pristine_store(tmp_path_factory) -> Path:
    """A store with MLflow's tables and nothing else: creating them takes seconds, a copy milliseconds."""
    import mlflow

    path = tmp_path_factory.mktemp("pristine") / "mlruns"
    mlflow.MlflowClient(registry.tracking_uri(path)).search_experiments()
    return path


@pytest.fixture()
def tracking(tmp_path, pristine_store) -> Path:
    path = tmp_path / "project" / "mlruns"
    shutil.copytree(pristine_store, path)
    registry.registered_versions(path, MODEL)  # opens it: the secfeat experiment exists before any victim starts
    return path


@pytest.fixture()
def warehouse(tmp_path) -> tuple[Path, pd.DataFrame]:
    """The tables promote reads: feat_activity_events, feat_login_training_set."""
    rows = labelled_rows(3000, seed=1)
    rows = rows.assign(event_uid="e" + rows.index.astype(str), user_key="user" + (rows.index % 40).astype(str))
    path = tmp_path / "project" / "secfeat.duckdb"
    path.parent.mkdir(exist_ok=True)
    con = connect_build(path)
    try:
        con.register("rows", rows)
        con.execute("create table feat_login_training_set as select * from rows")
        con.execute("create table feat_activity_events as "
                    "select *, label_at as event_at, 'okta' as source_name from rows")
    finally:
        con.close()
    return path, rows


def record(warehouse_path: Path, version: str, run_id: str) -> None:
    """What dbt commits after a training: ml_login_model_training's row (the columns promote reads)."""
    con = connect_build(warehouse_path)
    try:
        con.execute("create or replace table ml_login_model_training as "
                    "select ? as model_name, ? as model_version, ? as mlflow_run_id", [MODEL, version, run_id])
    finally:
        con.close()


def train(rows: pd.DataFrame, tracking: Path, algorithm: str = "logistic_regression", **recording):
    model = ml.train(rows, FEATURES, algorithm, threshold=0.9)
    run_id, version = registry.log_and_register(model, tracking, MODEL, **recording)
    return model, run_id, version


def run_promote(warehouse_path: Path, tracking: Path, version: str | None = None, **flags) -> tuple[int, str]:
    printed = []
    code = promote(warehouse_path, tracking, MODEL, version, threshold=0.9, top_k=50, out=printed.append, **flags)
    return code, "\n".join(printed)


def _client(tracking: Path):
    import mlflow

    return mlflow.MlflowClient(registry.tracking_uri(tracking))


def _logged_model_statuses(tracking: Path, run_id: str) -> list[str]:
    client = _client(tracking)
    experiment = client.get_experiment_by_name(registry.EXPERIMENT_NAME)
    return [str(model.status) for model in client.search_logged_models([experiment.experiment_id])
            if model.source_run_id == run_id]


def test_a_run_killed_by_sigkill_is_failed_by_the_next_build_or_training_and_a_live_one_is_left_running(tracking):
    victims = [Victim(tracking, "during_log_model") for _ in range(2)]
    try:
        (killed_run,), (zombie_run,) = (victim.stopped() for victim in victims)
        killed, zombie = victims
        killed.kill()
        client = _client(tracking)
        assert client.get_run(killed_run).info.status == "RUNNING"  # nothing has looked yet
        assert _logged_model_statuses(tracking, killed_run) == ["PENDING"]

        # the next scheduled build: scoring checks the champion first
        with pytest.raises(registry.NoChampionError):
            registry.require_champion(tracking, MODEL)
        run = client.get_run(killed_run)
        assert run.info.status == "FAILED" and run.info.end_time
        assert f"pid {killed.process.pid}" in run.data.tags[registry.FAILED_BECAUSE_TAG]
        assert _logged_model_statuses(tracking, killed_run) == ["FAILED"]
        # the other process is alive and still logging: none of this build's business
        assert client.get_run(zombie_run).info.status == "RUNNING"
        assert _logged_model_statuses(tracking, zombie_run) == ["PENDING"]

        # killed, and not reaped by its parent yet (a zombie): the next training fails it
        os.kill(zombie.process.pid, signal.SIGKILL)
        _wait_until_a_zombie(zombie.process.pid)  # a signal is delivered when the kernel gets to it
        train(labelled_rows(1000), tracking)
        assert client.get_run(zombie_run).info.status == "FAILED"
        assert _logged_model_statuses(tracking, zombie_run) == ["FAILED"]
    finally:
        for victim in victims:
            victim.end()


def _wait_until_a_zombie(pid: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while (stat := registry._proc_stat(pid)) is not None and stat[0] != "Z":
        assert time.monotonic() < deadline, f"pid {pid} still {stat[0]} {seconds}s after SIGKILL"
        time.sleep(0.01)


def test_the_champion_check_of_a_build_with_nothing_to_score_stays_cheap(tracking):
    _, _, version = train(labelled_rows(1000), tracking)
    registry.set_champion(tracking, MODEL, version)
    check = ("import sys; from secfeat import registry; "
             f"print(registry.require_champion({str(tracking)!r}, {MODEL!r}), 'mlflow' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, check=True)
    assert done.stdout.split() == [version, "False"]  # no seconds of importing MLflow when nothing is dead


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="tells processes apart by /proc (Linux)")
def test_a_pid_reused_or_a_reboot_is_a_dead_process():
    me = registry.this_process()
    assert not registry.process_is_gone(me)
    assert registry.process_is_gone({**me, registry.RUN_PROCESS_STARTED: "1"})  # another process got the pid
    assert registry.process_is_gone({**me, registry.RUN_BOOT_ID: "another-boot"})
    assert not registry.process_is_gone({**me, registry.RUN_HOST: "another-host"})  # not judged from here
    assert not registry.process_is_gone({})  # a run secfeat did not start


def test_a_version_registered_but_never_recorded_is_flagged_and_never_promoted_by_accident(tracking, warehouse):
    warehouse_path, rows = warehouse
    # v1: trained and recorded, as `secfeat train` leaves it
    _, run_1, _ = train(rows, tracking, warehouse=warehouse_path)
    record(warehouse_path, "1", run_1)
    # v2: the next training registers it and is killed before dbt commits its row
    victim = Victim(tracking, "after_register", warehouse_path)
    try:
        _, version_2 = victim.stopped()
        victim.kill()
    finally:
        victim.end()
    assert version_2 == "2" and registry.describe_version(tracking, MODEL, "2").record == registry.PENDING

    code, printed = run_promote(warehouse_path, tracking, bootstrap=True)
    assert code == 0 and "champion of login_risk is now v1" in printed
    assert "v2 of login_risk was registered by a training that died" in printed
    flagged = registry.describe_version(tracking, MODEL, "2")
    assert flagged.record == registry.UNRECORDED and flagged.aliases == []
    assert registry.describe_version(tracking, MODEL, "1").record == registry.RECORDED
    # the default candidate is the version the warehouse recorded, not the latest
    assert run_promote(warehouse_path, tracking, apply=True)[1].endswith("Version 1 of login_risk is already the "
                                                                         "champion.")
    # asked for by name: refused
    code, printed = run_promote(warehouse_path, tracking, "2", apply=True)
    assert code == 2 and "--allow-unrecorded" in printed and registry.champion(tracking, MODEL).version == "1"
    with pytest.raises(registry.UnrecordedVersionError):
        registry.set_champion(tracking, MODEL, "2")

    # an alias put on it anyway (secfeat before #14 bootstrapped the latest): the next promote removes it
    _client(tracking).set_registered_model_alias(MODEL, registry.CHAMPION, "2")
    code, printed = run_promote(warehouse_path, tracking, bootstrap=True)
    assert code == 0 and registry.describe_version(tracking, MODEL, "2").aliases == []
    assert registry.champion(tracking, MODEL).version == "1"

    # a person may still choose it, and then it keeps the alias
    code, printed = run_promote(warehouse_path, tracking, "2", apply=True, allow_unrecorded=True)
    assert code == 0 and registry.champion(tracking, MODEL).version == "2"
    assert registry.describe_version(tracking, MODEL, "2").record == registry.ACCEPTED_UNRECORDED
    run_promote(warehouse_path, tracking)
    assert registry.champion(tracking, MODEL).version == "2"


def test_the_next_training_flags_what_its_warehouse_never_recorded_and_leaves_other_warehouses_alone(
        tracking, warehouse, tmp_path):
    warehouse_path, rows = warehouse
    _, run_1, _ = train(rows, tracking, warehouse=warehouse_path)
    record(warehouse_path, "1", run_1)
    train(rows, tracking, warehouse=warehouse_path, warehouse_record=("1", run_1))  # v2: its row never committed
    other_warehouse = tmp_path / "project" / "other.duckdb"  # a second warehouse training into the same store
    _, run_3, _ = train(rows, tracking, warehouse=other_warehouse)
    # the next training of the first warehouse still finds v1's row
    train(rows, tracking, warehouse=warehouse_path, warehouse_record=("1", run_1))
    records = {version: registry.describe_version(tracking, MODEL, version).record for version in "1234"}
    assert records == {"1": registry.RECORDED, "2": registry.UNRECORDED, "3": registry.PENDING,
                       "4": registry.PENDING}
    assert registry.describe_version(tracking, MODEL, "3").run_id == run_3
    assert "(its ml_login_model_training row names v1)" in _client(tracking).get_model_version(MODEL, "2").tags[
        registry.UNRECORDED_BECAUSE_TAG]
    # versions registered without a warehouse (as these functions do by default) are not judged
    train(rows, tracking, warehouse=warehouse_path, warehouse_record=None)
    assert registry.describe_version(tracking, MODEL, "3").record == registry.PENDING
    assert registry.describe_version(tracking, MODEL, "4").record == registry.UNRECORDED


def _stored_paths(tracking: Path) -> list[str]:
    import sqlite3

    con = sqlite3.connect(tracking / "mlflow.db")
    try:
        return [value for table, column in registry.ARTIFACT_PATH_COLUMNS
                for (value,) in con.execute(f"select {column} from {table} where {column} like 'file:%'")]
    finally:
        con.close()


def test_a_moved_and_a_copied_store_each_load_the_champion_score_and_train(tmp_path, tracking, warehouse):
    warehouse_path, rows = warehouse
    model, _, version = train(rows, tracking, warehouse=warehouse_path)
    record(warehouse_path, version, _)
    assert run_promote(warehouse_path, tracking, bootstrap=True)[0] == 0
    expected = ml.risk_scores(model.pipeline, rows)
    original = tracking.parent
    assert all(path.startswith(registry.artifact_root(tracking)) for path in _stored_paths(tracking))

    copied, moved = tmp_path / "copied", tmp_path / "moved"
    shutil.copytree(original, copied)
    shutil.move(original, moved)  # the whole project folder: warehouse and store
    for project in (moved, copied):
        store = project / "mlruns"
        pipeline, champion = registry.load_champion(store, MODEL)  # what scoring loads
        assert champion.version == "1"
        np.testing.assert_array_equal(ml.risk_scores(pipeline, rows), expected)
        paths = _stored_paths(store)
        assert paths and all(path.startswith(registry.artifact_root(store)) for path in paths)
        # training and promote go on in each copy, on its own
        _, run_2, version_2 = train(rows.iloc[:2000], store, warehouse=project / "secfeat.duckdb",
                                    warehouse_record=("1", champion.run_id))
        record(project / "secfeat.duckdb", version_2, run_2)
        code, printed = run_promote(project / "secfeat.duckdb", store, apply=True)
        assert code == 0 and "now v2 (was v1" in printed
        np.testing.assert_array_equal(ml.risk_scores(registry.load_champion(store, MODEL)[0], rows),
                                      ml.risk_scores(registry.load_version(store, MODEL, "2"), rows))
    runs = {project: registry.describe_version(project / "mlruns", MODEL, "2").run_id for project in (moved, copied)}
    assert runs[moved] != runs[copied]
    assert not original.exists()


def test_the_ui_opens_on_the_training_runs_and_names_them_by_what_they_trained(tracking, pristine_store, tmp_path):
    model, run_id, _ = train(labelled_rows(1000), tracking)
    client = _client(tracking)
    experiment = client.get_experiment_by_name(registry.EXPERIMENT_NAME)
    assert experiment.tags[registry.EXPERIMENT_KIND_TAG] == "custom_model_development"
    assert client.get_experiment(registry.DEFAULT_EXPERIMENT_ID).lifecycle_stage == "deleted"  # it was empty
    assert client.get_run(run_id).info.run_name == (f"{MODEL} logistic_regression until "
                                                    f"{model.window['train_until'][:16]}")

    # a store made before: its experiment gets the tag, and a Default experiment in use stays
    older = tmp_path / "older" / "mlruns"
    shutil.copytree(pristine_store, older)
    client = _client(older)
    client.create_experiment(registry.EXPERIMENT_NAME, artifact_location=registry.artifact_root(older))
    client.create_run(registry.DEFAULT_EXPERIMENT_ID)
    registry.registered_versions(older, MODEL)
    assert client.get_experiment_by_name(registry.EXPERIMENT_NAME).tags[registry.EXPERIMENT_KIND_TAG] \
        == "custom_model_development"
    assert client.get_experiment(registry.DEFAULT_EXPERIMENT_ID).lifecycle_stage == "active"
