"""kill -9 at any moment of a scheduled build or a training run: the
published build stays whole and readable, and the next normal run completes
and equals a clean run (same tables, same row checksums), with nothing to
clean up by hand.

Each trial starts from the same warehouse (two days built, a champion,
published) with a third day landed, runs `secfeat build` (or `secfeat
train`) in its own process, kills its process group with SIGKILL at a
random moment or when a given stage starts, then runs the same command
normally and compares every table with the clean run's.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import secfeat
from conftest import PROJECT_ROOT, DailyLanding
from secfeat import registry, warehouse

pytestmark = pytest.mark.dbt

MODEL = "secfeat_login_risk"
RANDOM_TRIALS = 10
SEED = 1402

# Columns that hold when a row was built, not what it holds: they differ
# between two clean runs (the test checks that no other column does).
BUILD_TIME_COLUMNS = {
    # when rows were loaded and computed (incremental bookkeeping)
    "_loaded_at", "_computed_at", "loaded_at", "prevalence_inputs_loaded_at", "features_loaded_at",
    "features_computed_at", "data_loaded_through", "scores_through",
    # as of the build's start (entity-latest features without var as_of), or when recorded
    "as_of_at", "recorded_at",
    # which run, and when it scored, raised or snapshotted
    "dbt_invocation_id", "mlflow_run_id", "scored_at", "first_raised_at", "last_changed_at", "withdrawn_at",
    "first_seen_at", "first_seen_invocation_id", "_evaluated_through",
    "dbt_scd_id", "dbt_updated_at", "dbt_valid_from", "dbt_valid_to",
}

# The stages a kill aims at: a line `secfeat build` prints when it starts,
# and how long after it (seconds, at random in this range) to kill.
STAGES = {
    "staging": (r"START .*model staging\.stg_", (0.05, 0.3)),
    "incremental feature model": (r"START .*incremental model main\.feat_user_activity_events", (0.05, 0.3)),
    "Python model": (r"START python .*model main\.ml_login_scores", (0.05, 0.3)),
    "snapshot": (r"START snapshot", (0.05, 0.3)),
    # the checkpoint and the file copy take a fraction of a second at this size
    "publish": (r"^Publishing ", (0.0, 0.05)),
}


@dataclass
class Workspace:
    """A warehouse, its published builds and its MLflow store, in one folder."""

    root: Path
    landing: Path

    @property
    def database(self) -> Path:
        return self.root / "secfeat.duckdb"

    @property
    def tracking(self) -> Path:
        return self.root / "mlruns"

    @property
    def vars(self) -> dict:
        return {"landing_dir": str(self.landing), "mlflow_tracking_dir": str(self.tracking)}

    def command(self, name: str, *args: str) -> list[str]:
        return [sys.executable, "-m", "secfeat.cli", name, "--duckdb", str(self.database),
                "--project-dir", str(PROJECT_ROOT), "--vars", json.dumps(self.vars), *args]

    def env(self) -> dict:
        return {**os.environ, "DBT_TARGET_PATH": str(self.root / "target"), "DBT_LOG_PATH": str(self.root / "logs"),
                "DBT_USE_COLORS": "false", "PYTHONUNBUFFERED": "1"}

    def run(self, name: str, *args: str) -> tuple[float, int]:
        """Run a command to its end: (seconds, lines it printed)."""
        started = time.perf_counter()
        done = subprocess.run(self.command(name, *args), env=self.env(), cwd=self.root,
                              capture_output=True, text=True)
        assert done.returncode == 0, f"secfeat {name} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        return time.perf_counter() - started, len(done.stdout.splitlines())

    def copy_to(self, root: Path) -> Workspace:
        shutil.rmtree(root, ignore_errors=True)
        shutil.copytree(self.root, root, symlinks=True, ignore=shutil.ignore_patterns("target", "logs"))
        return Workspace(root, self.landing)


def table_checksums(database: Path, *, read_published: bool = False,
                    ignore: set[str] = BUILD_TIME_COLUMNS) -> dict[str, tuple]:
    """Every table's row count and a checksum of its rows, build-time columns left out."""
    con = secfeat.connect(database) if read_published else warehouse.connect_build(database, read_only=True)
    try:
        columns: dict[str, list[str]] = {}
        for schema, table, column in con.execute(
                "select schema_name, table_name, column_name from duckdb_columns() "
                "where database_name = current_database() and table_name in "
                "(select table_name from duckdb_tables() where database_name = current_database()) "
                "order by schema_name, table_name, column_index").fetchall():
            columns.setdefault(f"{schema}.{table}", []).append(column)
        checksums = {}
        for table, names in columns.items():
            kept = [f'"{name}"' for name in names if name not in ignore]
            (count, checksum), = con.execute(
                f"select count(*), coalesce(sum(hash({', '.join(kept)})::hugeint), 0) from {table}").fetchall()
            checksums[table] = (count, str(checksum))
        return checksums
    finally:
        con.close()


def differences(found: dict, expected: dict) -> list[str]:
    return [f"{table}: {found.get(table)} != {expected.get(table)}"
            for table in sorted(set(found) | set(expected)) if found.get(table) != expected.get(table)]


def leftovers(space: Workspace) -> list[str]:
    root = warehouse.published_root(space.database)
    found = [path.name for path in (root / warehouse.BUILDS).glob(f"{warehouse.PARTIAL_PREFIX}*")]
    found += [path.name for path in root.glob(f"{warehouse.CURRENT}.*")]
    found += [path.name for path in space.root.glob("secfeat.duckdb.wal")]
    return found


def run_states(tracking: Path) -> dict[str, int]:
    con = sqlite3.connect(f"file:{tracking / 'mlflow.db'}?mode=ro", uri=True)
    try:
        return dict(con.execute("select status, count(*) from runs group by status").fetchall())
    finally:
        con.close()


def registered(tracking: Path) -> int:
    con = sqlite3.connect(f"file:{tracking / 'mlflow.db'}?mode=ro", uri=True)
    try:
        return con.execute("select count(*) from model_versions").fetchone()[0]
    finally:
        con.close()


@dataclass
class Kill:
    """Starts a command and kills its process group when `should_kill` says so."""

    command: list[str]
    env: dict
    cwd: Path
    lines: list[tuple[float, str]] = field(default_factory=list)

    def run(self, at_line: str | int | None = None, after_line: float = 0.0, when=None, timeout: float = 300) -> dict:
        """Kill `after_line` seconds after the first line matching `at_line`
        (a pattern, or the number of lines printed so far), or when `when()`."""
        process = subprocess.Popen(self.command, env=self.env, cwd=self.cwd, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True, start_new_session=True)
        started = time.perf_counter()
        matched = threading.Event()
        if at_line == 0:  # during start-up, before the first line
            matched.set()

        def read() -> None:
            for line in process.stdout:
                self.lines.append((time.perf_counter() - started, line.rstrip()))
                if (isinstance(at_line, int) and len(self.lines) >= at_line
                        or isinstance(at_line, str) and re.search(at_line, line)):
                    matched.set()

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        killed_at = None
        while process.poll() is None and time.perf_counter() - started < timeout:
            if matched.is_set():
                time.sleep(after_line)  # into the stage, not at its first line
                due = True
            else:
                due = when is not None and when()
            if due:
                os.killpg(process.pid, signal.SIGKILL)
                killed_at = time.perf_counter() - started
                break
            time.sleep(0.01)
        process.wait()
        reader.join(timeout=5)
        last = [line for _, line in self.lines if line.strip()][-1:] or [""]
        return {"killed_at": killed_at, "exit": process.returncode, "last line": last[0][:100]}


@pytest.fixture(scope="module")
def trials(tmp_path_factory):
    """The starting warehouse, the clean run from it, and the trial table."""
    workdir = tmp_path_factory.mktemp("crash")
    landing = DailyLanding(workdir, days=3, events_per_day=2500, seed=9, end="2026-04-01")
    for day in landing.days[:2]:
        landing.land(day)
    base = Workspace(workdir / "base", landing.landing)
    base.root.mkdir()
    base.run("build", "--exclude", "tag:training", "tag:uses_champion+")
    base.run("train")
    done = subprocess.run([sys.executable, "-m", "secfeat.cli", "promote", "--bootstrap", "--duckdb",
                           str(base.database), "--tracking-dir", str(base.tracking), "--project-dir",
                           str(PROJECT_ROOT), "--vars", json.dumps(base.vars)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    base.run("build", "--select", "tag:uses_champion+")
    landing.land(landing.days[2])  # what the trials' build picks up

    clean = base.copy_to(workdir / "clean")
    seconds, printed = clean.run("build")
    again = base.copy_to(workdir / "clean-again")
    again.run("build")
    expected = table_checksums(clean.database)
    # two clean runs differ only in build-time columns: anything else would hide a real difference
    assert not differences(table_checksums(again.database), expected)
    table = []
    yield {"workdir": workdir, "base": base, "expected": expected, "lines": printed,
           "base published": table_checksums(base.database, read_published=True), "table": table}
    lines = [f"kill -9 trials (scheduled build of one new day; clean build {seconds:.1f}s, {printed} lines)",
             f"{'stage killed':<28}{'killed at':>10}  {'leftovers':<32}{'published intact':<18}"
             f"{'recovered':<11}{'equal to clean'}"]
    lines += [f"{row['stage']:<28}{row['killed_at']:>9.2f}s  {', '.join(row['leftovers']) or '-':<32}"
              f"{row['published']:<18}{'yes' if row['recovered'] else 'NO':<11}{'yes' if row['equal'] else 'NO'}"
              for row in table]
    print("\n\n" + "\n".join(lines))
    (workdir / "kill_trials.txt").write_text("\n".join(lines) + "\n")  # pytest -n hides prints


def _trial(trials, name: str, stage: str, **kill) -> dict:
    space = trials["base"].copy_to(trials["workdir"] / name)
    outcome = Kill(space.command("build"), space.env(), space.root).run(**kill)
    assert outcome["killed_at"] is not None, f"the build ended before the kill: {outcome}"
    found = leftovers(space)
    published = table_checksums(space.database, read_published=True)
    intact = published in (trials["base published"], trials["expected"])
    recovered = True
    try:
        space.run("build")
    except AssertionError:
        recovered = False
    equal = recovered and not differences(table_checksums(space.database), trials["expected"])
    row = {"stage": stage, "killed_at": outcome["killed_at"], "leftovers": found,
           "published": "yes" if intact else "NO", "recovered": recovered, "equal": equal}
    trials["table"].append(row)
    assert intact, f"the published build changed under a kill at {outcome}"
    assert recovered, f"the run after a kill at {outcome} failed"
    assert not differences(table_checksums(space.database), trials["expected"]), outcome
    # what readers get afterwards is the recovered build, and nothing is left over
    assert table_checksums(space.database, read_published=True) == trials["expected"]
    assert not leftovers(space)
    shutil.rmtree(space.root)
    return row


@pytest.mark.parametrize("trial", range(RANDOM_TRIALS))
def test_a_build_killed_at_a_random_moment_recovers_to_the_clean_run(trials, trial):
    """A random point of the build's progress (the clean run printed `lines`
    lines: start-up before the first, a node's start or end, the publish),
    then a random fraction of a second: a moment, whatever the machine's speed."""
    pick = random.Random(SEED + trial)
    line, delay = pick.randint(0, trials["lines"] - 4), pick.uniform(0.0, 0.3)
    _trial(trials, f"random-{trial}", f"random: line {line}+{delay:.2f}s", at_line=line, after_line=delay)


@pytest.mark.parametrize("stage", list(STAGES))
def test_a_build_killed_at_each_stage_recovers_to_the_clean_run(trials, stage):
    line, delays = STAGES[stage]
    delay = random.Random(stage).uniform(*delays)
    _trial(trials, f"stage-{stage.replace(' ', '-')}", stage, at_line=line, after_line=delay)


def test_training_killed_while_mlflow_logs_leaves_no_half_registered_version(trials):
    """Killed once while the run is logging, once right after MLflow registered
    the version (before the warehouse recorded it); the next training marks
    the killed runs failed, settles every version (recorded, or unrecorded
    and alias-free), and no unrecorded version becomes the champion."""
    base = trials["base"]
    clean = base.copy_to(trials["workdir"] / "train-clean")
    clean.run("train")
    # which version and run it is differs; what was trained on and how well, not
    recorded_columns = BUILD_TIME_COLUMNS | {"model_version"}
    expected = table_checksums(clean.database, ignore=recorded_columns)["main.ml_login_model_training"]
    space = base.copy_to(trials["workdir"] / "train-killed")
    champion_before = registry.champion_version(space.tracking, MODEL)
    versions_before = registered(space.tracking)
    kills = []
    for name, when in (("MLflow logging", lambda: run_states(space.tracking).get("RUNNING", 0) > 0),
                       ("MLflow registered", lambda: registered(space.tracking) > versions_before)):
        outcome = Kill(space.command("train"), space.env(), space.root).run(when=when)
        assert outcome["killed_at"] is not None, outcome
        # training publishes only once it has recorded its version
        assert table_checksums(space.database, read_published=True) == trials["base published"]
        kills.append((name, outcome["killed_at"], leftovers(space)))
    space.run("train")
    states = run_states(space.tracking)
    assert states.get("RUNNING", 0) == 0, states  # the killed runs were marked failed
    assert states.get("FAILED", 0) >= 1, states
    con = warehouse.connect_build(space.database, read_only=True)
    try:
        (recorded,), = con.execute("select model_version from ml_login_model_training").fetchall()
    finally:
        con.close()
    # the version the warehouse recorded is the one the completed run registered
    assert recorded == registry.registered_versions(space.tracking, MODEL)[-1]
    # promote settles it (recorded) and compares it, not a killed run's version
    done = subprocess.run(space.command("promote"), env=space.env(), cwd=space.root, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    record = version_records(space.tracking)
    assert "pending" not in record.values(), record  # every version settled
    assert record[recorded] == "recorded", record
    assert record.get(champion_before) != "unrecorded"
    assert registry.champion_version(space.tracking, MODEL) == champion_before
    assert all(not aliases for version, aliases in version_aliases(space.tracking).items()
               if record.get(version) == "unrecorded")
    equal = table_checksums(space.database, ignore=recorded_columns)["main.ml_login_model_training"] == expected
    for name, killed_at, found in kills:
        trials["table"].append({"stage": f"training: {name}", "killed_at": killed_at, "leftovers": found,
                                "published": "yes", "recovered": True, "equal": equal})  # asserted above
    trials["table"].append({"stage": "  versions left unrecorded", "killed_at": 0.0,
                            "leftovers": [f"v{v}" for v, r in sorted(record.items()) if r == "unrecorded"],
                            "published": "-", "recovered": True, "equal": equal})
    assert equal


def version_records(tracking: Path) -> dict[str, str]:
    """Each registered version's secfeat.warehouse_record tag (pending, recorded, unrecorded)."""
    con = sqlite3.connect(f"file:{tracking / 'mlflow.db'}?mode=ro", uri=True)
    try:
        return {str(version): value for version, value in con.execute(
            "select version, value from model_version_tags where name = ? and key = ?",
            [MODEL, registry.RECORD_TAG]).fetchall()}
    finally:
        con.close()


def version_aliases(tracking: Path) -> dict[str, list[str]]:
    con = sqlite3.connect(f"file:{tracking / 'mlflow.db'}?mode=ro", uri=True)
    try:
        aliases: dict[str, list[str]] = {}
        for version, alias in con.execute("select version, alias from registered_model_aliases where name = ?",
                                          [MODEL]).fetchall():
            aliases.setdefault(str(version), []).append(alias)
        return aliases
    finally:
        con.close()
