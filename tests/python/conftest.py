"""Shared fixtures: project paths, the real samples, and in-process dbt builds."""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

from secfeat import contract
from secfeat.warehouse import connect_build

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    samples = SHARED_DATA / "samples"
    if not samples.is_dir():
        pytest.skip(f"real vendor samples not found at {samples} (they sit beside the project in CI)")
    return samples


@pytest.fixture(scope="session", autouse=True)
def dbt_paths_of_this_process(tmp_path_factory):
    """Where dbt commands a test runs without --target-path (secfeat train,
    ...) write their parse and logs: not the project's target/, which two
    test processes (pytest -n 2) would share."""
    scratch = tmp_path_factory.mktemp("dbt")
    patch = pytest.MonkeyPatch()
    patch.setenv("DBT_TARGET_PATH", str(scratch / "target"))
    patch.setenv("DBT_LOG_PATH", str(scratch / "logs"))
    yield
    patch.undo()


class DbtProject:
    """Runs dbt in-process (no start-up cost per call) against its own warehouse."""

    def __init__(self, workdir: Path, landing_dir: Path, **extra_vars):
        self.workdir = workdir
        self.database = workdir / "secfeat.duckdb"
        self.project_dir = PROJECT_ROOT
        self.vars = {
            "landing_dir": str(landing_dir),
            "mlflow_tracking_dir": str(workdir / "mlruns"),
            **extra_vars,
        }

    def run(self, *args: str) -> None:
        failures = self.attempt(*args)
        if failures is not None:
            pytest.fail(f"dbt {' '.join(args)} failed: {failures}")

    def attempt(self, *args: str):
        """Run dbt; None when it succeeded, else what failed."""
        result = self._invoke(*args)
        if result.success:
            return None
        results = getattr(result.result, "results", None) or []
        return result.exception or [(r.node.name, r.message) for r in results if r.status in ("error", "fail")]

    def show(self, sql: str) -> list[tuple]:
        """Every row of a query dbt compiles (refs to ephemeral models included)."""
        result = self._invoke("show", "--inline", sql, "--limit", "-1")
        if not result.success:
            pytest.fail(f"dbt show failed: {result.exception}")
        return [tuple(row) for row in result.result.results[0].agate_table.rows]

    def _invoke(self, *args: str):
        from dbt.cli.main import dbtRunner

        os.environ["SECFEAT_DUCKDB_PATH"] = str(self.database)
        return dbtRunner().invoke([
            *args,
            "--project-dir", str(self.project_dir),
            "--profiles-dir", str(self.project_dir / "profiles"),
            "--target-path", str(self.workdir / "target"),
            "--log-path", str(self.workdir / "logs"),
            "--vars", json.dumps(self.vars),
            "--quiet",
        ])

    def execute(self, statements: list) -> None:
        """Run SQL statements (text, or (text, parameters)) in one transaction."""
        con = connect_build(self.database)
        try:
            con.begin()
            for statement in statements:
                sql, parameters = (statement, None) if isinstance(statement, str) else statement
                con.execute(sql, parameters)
            con.commit()
        finally:
            con.close()

    def query_frame(self, sql: str):
        con = connect_build(self.database)
        try:
            return con.sql(sql).df()
        finally:
            con.close()

    def query(self, sql: str) -> list[tuple]:
        # same configuration as dbt-duckdb's connection, which stays open in this process
        con = connect_build(self.database)
        try:
            return con.sql(sql).fetchall()
        finally:
            con.close()


class SparkProject:
    """dbt on the spark target, in this process (dbt-spark's session keeps one
    SparkSession for all of them), reading OCSF Parquet from `ocsf_dir`."""

    def __init__(self, workdir: Path, ocsf_dir: Path, **extra_vars):
        self.workdir = workdir
        self.vars = {"ocsf_parquet_dir": str(ocsf_dir), **extra_vars}

    def reset(self) -> None:
        """Drop what an earlier test built in this process's Spark session
        (one per process: its warehouse folder is the first test's)."""
        from pyspark import SparkContext
        from pyspark.sql import SparkSession

        if SparkContext._active_spark_context is not None:  # dbt-spark's session (started in another thread)
            session = SparkSession.builder.getOrCreate()
            for schema in ("secfeat", "reference"):
                session.sql(f"drop database if exists {schema} cascade")

    def run(self, *args: str) -> None:
        from dbt.cli.main import dbtRunner

        os.environ["SECFEAT_SPARK_DIR"] = str(self.workdir / "spark")
        os.environ["SECFEAT_SPARK_DRIVER_MEMORY"] = "1g"
        os.environ["SECFEAT_SPARK_SHUFFLE_PARTITIONS"] = "1"  # a few hundred rows: one task per shuffle
        result = dbtRunner().invoke([
            *args, "--target", "spark",
            "--project-dir", str(PROJECT_ROOT), "--profiles-dir", str(PROJECT_ROOT / "profiles"),
            "--target-path", str(self.workdir / "target"), "--log-path", str(self.workdir / "logs"),
            "--vars", json.dumps(self.vars), "--quiet",
        ])
        if not result.success:
            results = getattr(result.result, "results", None) or []
            pytest.fail(f"dbt {' '.join(args)} on Spark failed: "
                        f"{result.exception or [(r.node.name, r.message) for r in results if r.status == 'error']}")

    @staticmethod
    def timestamp_text(column: str) -> str:
        return f"date_format({column}, 'yyyy-MM-dd HH:mm:ss.SSSSSS')"

    def query(self, sql: str) -> list[tuple]:
        from pyspark.sql import SparkSession

        spark = SparkSession.builder.getOrCreate()  # the session dbt-spark started
        spark.sql("use secfeat")
        return [tuple(row) for row in spark.sql(sql).collect()]


OCSF_CLASS_MODELS = tuple(contract.ocsf_classes())


def staged_event_counts(project: DbtProject, source: str) -> Counter:
    """A source's events in every OCSF class model, counted as raw_reference
    counts them: by (class_uid, activity_id, status_id), API Activity's verb left out."""
    union = " union all ".join(
        f"select class_uid, activity_id, status_id from ocsf_{name} where source_name = '{source}'"
        for name in OCSF_CLASS_MODELS
    )
    staged = Counter()
    for class_uid, activity_id, status_id, count in project.query(
            f"select class_uid, activity_id, status_id, count(*) from ({union}) group by all"):
        staged[(class_uid, None if class_uid == 6003 else activity_id, status_id)] += count
    return staged


def simulate_landing(out: Path, days: int, events_per_day: int, seed: int, end: str) -> dict:
    from secfeat.simulate import SimulationConfig, simulate

    config = SimulationConfig(days=days, events_per_day=events_per_day, seed=seed,
                              end=datetime.fromisoformat(end), out=out)
    return simulate(config)


class DailyLanding:
    """A simulated landing zone (`complete`) handed to `landing` a day of files
    at a time, as a log shipper would."""

    def __init__(self, workdir: Path, days: int, events_per_day: int, seed: int, end: str):
        import raw_reference

        self.sources = tuple(raw_reference.READERS)
        self.complete = workdir / "complete"
        simulate_landing(self.complete, days=days, events_per_day=events_per_day, seed=seed, end=end)
        self.days = sorted(path.name.split("_")[1].split(".")[0] for path in (self.complete / "windows").iterdir())
        self.landing = workdir / "landing"

    def land(self, day: str) -> None:
        for source in self.sources:
            (self.landing / source).mkdir(parents=True, exist_ok=True)
            for path in (self.complete / source).glob(f"*_{day}.*"):
                shutil.copy2(path, self.landing / source / path.name)  # keeps the landing time
        if (self.complete / "incidents.csv").exists():
            shutil.copy2(self.complete / "incidents.csv", self.landing / "incidents.csv")


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory) -> DbtProject:
    """The whole project built once on a small simulated landing zone."""
    workdir = tmp_path_factory.mktemp("demo_build")
    landing = workdir / "landing"
    simulate_landing(landing, days=3, events_per_day=3000, seed=5, end="2026-03-01")
    project = DbtProject(workdir, landing, as_of="2026-03-01 00:00:00")
    build_with_first_champion(project)
    return project


USES_CHAMPION = "tag:uses_champion+"


def build_with_first_champion(project: DbtProject) -> None:
    """What `make demo` does on a fresh warehouse: build all but the models
    that score with the champion, make the trained version the first champion,
    then build those."""
    from secfeat.promote import promote

    project.run("build", "--exclude", USES_CHAMPION)
    code = promote(project.database, Path(project.vars["mlflow_tracking_dir"]), "secfeat_login_risk", None,
                   threshold=0.9, top_k=100, bootstrap=True, out=lambda line: None,
                   read_only=False)  # dbt, in this process, holds the file open read-write
    assert code == 0
    project.run("build", "--select", USES_CHAMPION)


def pytest_collection_modifyitems(items):
    """The Spark test first: with --dist loadfile --no-loadscope-reorder (make
    pytest) each worker takes whole files in collection order, and this long
    one, started last, would keep one worker busy after the other has finished."""
    items.sort(key=lambda item: item.get_closest_marker("spark") is None)
