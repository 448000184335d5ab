"""Readers query the published build while `secfeat build` runs in another
process: never an error, never half a build, and the build is never failed
by them (secfeat.warehouse)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

import secfeat
from conftest import PROJECT_ROOT, DailyLanding
from secfeat import warehouse
from secfeat.cli import main as secfeat_main

pytestmark = pytest.mark.dbt

NOT_ML = ["--exclude", "tag:training", "tag:uses_champion+"]

# Row counts and a checksum of whole rows of tables built at different steps:
# a reader of half a build would see one table's new rows beside another's old.
CHECKSUM_QUERY = " union all ".join(
    f"select '{table}' as relation, count(*) as row_count, coalesce(sum(hash(t)::hugeint), 0) as checksum "
    f"from {table} t"
    for table in ("landing.landing_lines", "ocsf_authentication", "feat_user_authentication_events",
                  "feat_src_ip_authentication_events", "feat_user_latest")
) + " order by relation"

# Queries the published build every 100 ms, through `secfeat sql` and
# secfeat.connect() in turn, until the stop file appears; one JSON line per answer.
READER = """
import contextlib, io, json, sys, time
from pathlib import Path
import secfeat
from secfeat.cli import main

database, query, log, stop = sys.argv[1], sys.argv[2], open(sys.argv[3], "a"), Path(sys.argv[4])
while not stop.exists():
    for via in ("secfeat sql", "secfeat.connect()"):
        started = time.time()
        try:
            if via == "secfeat sql":
                out, err = io.StringIO(), io.StringIO()
                with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                    code = main(["sql", "--duckdb", database, "--format", "json", query])
                if code != 0:
                    raise RuntimeError(f"exit {code}: {err.getvalue()}")
                answer = [[str(value) for value in row.values()] for row in json.loads(out.getvalue())]
            else:
                con = secfeat.connect(database)
                try:
                    answer = [[str(value) for value in row] for row in con.execute(query).fetchall()]
                finally:
                    con.close()
            record = {"via": via, "at": started, "answer": answer}
        except Exception as error:
            record = {"via": via, "at": started, "error": f"{type(error).__name__}: {error}"}
        log.write(json.dumps(record) + "\\n")
        log.flush()
        time.sleep(0.1)
"""


def _answer(database: Path) -> list[list[str]]:
    con = secfeat.connect(database)
    try:
        return [[str(value) for value in row] for row in con.execute(CHECKSUM_QUERY).fetchall()]
    finally:
        con.close()


class Readers:
    """Two reader processes looping over the published build."""

    def __init__(self, workdir: Path, database: Path, count: int = 2):
        self.log = workdir / "reads.jsonl"
        self.stop = workdir / "stop-readers"
        self.stop.unlink(missing_ok=True)
        self.log.unlink(missing_ok=True)
        script = workdir / "reader.py"
        script.write_text(READER)
        self.processes = [subprocess.Popen([sys.executable, str(script), str(database), CHECKSUM_QUERY,
                                            str(self.log), str(self.stop)]) for _ in range(count)]

    def finish(self) -> list[dict]:
        self.stop.touch()
        for process in self.processes:
            assert process.wait(timeout=60) == 0
        return [json.loads(line) for line in self.log.read_text().splitlines()]


def _secfeat_build(workdir: Path, database: Path, vars_: dict, *dbt_args: str) -> tuple[float, float]:
    """`secfeat build` in its own process, as a scheduler runs it: (start, end) times."""
    env = {**os.environ, "DBT_TARGET_PATH": str(workdir / "target"), "DBT_LOG_PATH": str(workdir / "logs")}
    started = time.time()
    subprocess.run([sys.executable, "-m", "secfeat.cli", "build", "--duckdb", str(database),
                    "--project-dir", str(PROJECT_ROOT), "--vars", json.dumps(vars_), *dbt_args],
                   check=True, env=env, cwd=workdir, stdout=subprocess.DEVNULL)
    return started, time.time()


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("published")
    landing = DailyLanding(workdir, days=3, events_per_day=2000, seed=21, end="2026-05-01")
    database = workdir / "secfeat.duckdb"
    vars_ = {"landing_dir": str(landing.landing), "mlflow_tracking_dir": str(workdir / "mlruns")}
    for day in landing.days[:2]:
        landing.land(day)
    _secfeat_build(workdir, database, vars_, *NOT_ML)
    return workdir, database, vars_, landing


def _check_reads(reads: list[dict], previous, new, build: tuple[float, float]) -> dict:
    errors = [read for read in reads if "error" in read]
    assert not errors, errors[:3]
    seen = {"previous": 0, "new": 0}
    for read in reads:
        assert read["answer"] in (previous, new), f"{read['via']} at {read['at']} saw neither build"
        seen["previous" if read["answer"] == previous else "new"] += 1
    during = [read for read in reads if build[0] < read["at"] < build[1]]
    assert len(during) >= 10, "the readers hardly overlapped the build"
    assert {read["via"] for read in reads} == {"secfeat sql", "secfeat.connect()"}
    assert seen["previous"] and seen["new"], seen
    # once a reader saw the new build it never goes back to the previous one
    for via in ("secfeat sql", "secfeat.connect()"):
        answers = [read["answer"] == new for read in sorted(reads, key=lambda r: r["at"]) if read["via"] == via]
        assert answers == sorted(answers), f"{via} went back to the previous build"
    return {"reads": len(reads), "during the build": len(during), **seen}


@pytest.mark.parametrize("kind", ["full refresh", "incremental"])
def test_readers_see_the_previous_or_the_new_build_whole_and_never_fail_it(published, kind):
    workdir, database, vars_, landing = published
    previous = _answer(database)
    held = secfeat.connect(database)  # a notebook left open across the build
    if kind == "incremental":
        landing.land(landing.days[2])
    readers = Readers(workdir, database)
    time.sleep(1.0)
    try:
        build = _secfeat_build(workdir, database, vars_, *NOT_ML, *(["--full-refresh"] if kind == "full refresh"
                                                                      else []))
        time.sleep(1.0)
    finally:
        reads = readers.finish()
    new = _answer(database)
    assert new != previous  # every build loads anew, so the answer tells the builds apart
    figures = _check_reads(reads, previous, new, build)
    print(f"\n{kind}: {figures}")
    # the connection held open still reads the build it opened, whole
    assert [[str(value) for value in row] for row in held.execute(CHECKSUM_QUERY).fetchall()] == previous
    held.close()
    # and the published build is the warehouse as built
    con = warehouse.connect_build(database, read_only=True)
    try:
        assert [[str(value) for value in row] for row in con.execute(CHECKSUM_QUERY).fetchall()] == new
    finally:
        con.close()


def test_publishing_keeps_only_the_current_build_and_clears_what_a_killed_publish_left(published):
    workdir, database, _, _ = published
    root = warehouse.published_root(database)
    (root / warehouse.BUILDS / f"{warehouse.PARTIAL_PREFIX}killed").mkdir()  # a publish killed mid-copy
    (root / f"{warehouse.CURRENT}.killed").symlink_to("builds/nowhere")  # killed before its rename
    before = warehouse.current_build(database)
    after = warehouse.publish(database, compiled_analyses=before.analyses)
    assert after.build_id != before.build_id
    assert warehouse.current_build(database).build_id == after.build_id
    assert sorted(path.name for path in (root / warehouse.BUILDS).iterdir()) == [after.build_id]
    assert sorted(path.name for path in root.iterdir()) == [warehouse.BUILDS, warehouse.CURRENT]
    assert after.manifest["tables"]["main.feat_user_latest"] > 0


def test_a_running_build_fails_a_publish_at_once_not_the_build(published):
    _, database, _, _ = published
    con = warehouse.connect_build(database)  # in another process, as a build holds it
    try:
        probe = subprocess.run([sys.executable, "-c", "import sys; from secfeat import warehouse; "
                                "warehouse.publish(sys.argv[1])", str(database)], capture_output=True, text=True)
    finally:
        con.close()
    assert probe.returncode != 0 and "lock" in probe.stderr.lower()
    assert not list((warehouse.published_root(database) / warehouse.BUILDS).glob(f"{warehouse.PARTIAL_PREFIX}*"))


def test_secfeat_sql_binds_parameters_and_prints_table_csv_and_json(published, capsys):
    _, database, _, _ = published
    user = _rows(database, "select user_key from feat_user_latest order by user_key limit 1")[0]["user_key"]
    query = "select user_key, failed_logins_24h from feat_user_latest where user_key = $user or user_key = $odd"
    assert secfeat_main(["sql", "--duckdb", str(database), "--format", "json", query,
                         "--param", f"user={user}", "--param", "odd=o'brien"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [row["user_key"] for row in rows] == [user]
    assert secfeat_main(["sql", "--duckdb", str(database), "--format", "csv", query,
                         "--param", f"user={user}", "--param", "odd=x' or '1'='1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "user_key,failed_logins_24h" and len(lines) == 2  # the quote is data, not SQL
    assert secfeat_main(["sql", "--duckdb", str(database), "select count(*) as users from feat_user_latest"]) == 0
    assert "users" in capsys.readouterr().out
    # a query the warehouse rejects is an error message, not a traceback
    assert secfeat_main(["sql", "--duckdb", str(database), "select * from no_such_table"]) == 1
    assert "no_such_table" in capsys.readouterr().err


def test_analyses_run_against_the_build_they_were_compiled_for(published, capsys):
    _, database, _, _ = published
    (latest,) = _rows(database, "select * from feat_user_latest order by failed_logins_24h desc, user_key limit 1")
    user, as_of = latest["user_key"], latest["as_of_at"]
    assert secfeat_main(["sql", "--duckdb", str(database), "--analysis", "user_features_as_of",
                         "--param", f"user_key={user}"]) == 2
    assert "as_of" in capsys.readouterr().err  # a missing parameter is named, not a silent null
    assert secfeat_main(["sql", "--duckdb", str(database), "--analysis", "user_features_as_of", "--format", "json",
                         "--param", f"user_key={user.upper()}", "--param", f"as_of={as_of}"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["user_key"] == user
    for feature in ("failed_logins_24h", "distinct_src_ips_24h"):
        assert row[feature] == latest[feature], feature
    assert secfeat_main(["sql", "--duckdb", str(database), "--analysis", "nope"]) == 2
    assert "user_features_as_of" in capsys.readouterr().err


def test_the_duckdb_cli_opens_the_published_build(published):
    _, database, _, _ = published
    cli = Path(sys.executable).with_name("duckdb")
    if not cli.exists():
        pytest.skip("duckdb-cli is not installed (pip install -e '.[dev]')")
    published_file = warehouse.published_root(database) / warehouse.CURRENT / database.name
    shown = subprocess.run([str(cli), "-readonly", "-csv", str(published_file), "-c",
                            "select count(*) from feat_user_latest"], capture_output=True, text=True)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines()[1] == str(_rows(database, "select count(*) as n from feat_user_latest")[0]["n"])


def test_nothing_published_says_what_to_run(tmp_path, capsys):
    assert secfeat_main(["sql", "--duckdb", str(tmp_path / "secfeat.duckdb"), "select 1"]) == 2
    assert "secfeat build" in capsys.readouterr().err
    with pytest.raises(warehouse.NothingPublished):
        secfeat.connect(tmp_path / "secfeat.duckdb")


def _rows(database: Path, sql: str) -> list[dict]:
    con = secfeat.connect(database)
    try:
        result = con.execute(sql)
        columns = [column[0] for column in result.description]
        return [dict(zip(columns, row)) for row in result.fetchall()]
    finally:
        con.close()


def test_a_reader_holds_no_lock_a_build_needs(published):
    _, database, _, _ = published
    con = secfeat.connect(database)
    try:
        writer = warehouse.connect_build(database)  # would fail at once if the reader held the build file
        writer.close()
    finally:
        con.close()
    with pytest.raises(duckdb.Error):
        con.execute("select 1")
