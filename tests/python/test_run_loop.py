"""`secfeat run --every`: the scheduled loop (secfeat.loop). Its cadence and
back-off on a fake clock; one builder per warehouse across processes; and
the loop itself on a simulated landing zone: a cycle per tick, one line
each, a second start refused with its own exit code, and a loop killed
mid-build whose successor catches up."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import pytest

import raw_reference
from conftest import PROJECT_ROOT, simulate_landing
from secfeat import loop, warehouse
from secfeat.warehouse import connect_build


class FakeClock:
    def __init__(self):
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds


def test_cycles_start_on_the_cadence_and_failures_back_off():
    clock, lines = FakeClock(), []
    outcomes = iter([True, False, False, False, True, True])

    def run_cycle(number):
        clock.now += 10  # each cycle takes 10 s
        if not next(outcomes):
            raise RuntimeError("the warehouse is on fire")
        return loop.Cycle(number, ok=True, seconds=10, build_id=f"b{number}")

    code = loop.run_loop(run_cycle, 60, cycles=6, max_backoff=200, out=lines.append, sleep=clock.sleep,
                         clock=clock.clock)
    assert code == 0
    # from one cycle's start to the next: the cadence, then 2x, 4x, capped, then the cadence again
    assert clock.slept == [50, 110, 190, 190, 50]
    assert "cycle 2 failed after 10.0s: RuntimeError: the warehouse is on fire" in lines[1]
    assert "readers keep the last good build; next attempt in 120s" in lines[1]
    assert lines[4].startswith("cycle 5 ok in 10.0s")


def test_a_cycle_longer_than_the_cadence_starts_the_next_at_once():
    clock = FakeClock()

    def run_cycle(number):
        clock.now += 75
        return loop.Cycle(number, ok=True, seconds=75)

    loop.run_loop(run_cycle, 60, cycles=3, out=lambda line: None, sleep=clock.sleep, clock=clock.clock)
    assert clock.slept == [0, 0]


def test_the_landing_listing_changes_when_a_file_arrives_changes_or_leaves(tmp_path):
    (tmp_path / "okta").mkdir()
    first = tmp_path / "okta" / "a.json"
    first.write_text("{}")
    before = loop.landing_listing(tmp_path)
    assert loop.landing_listing(tmp_path) == before  # nothing happened
    (tmp_path / "okta" / "b.json").write_text("{}")
    arrived = loop.landing_listing(tmp_path)
    assert arrived != before
    os.utime(first, ns=(first.stat().st_atime_ns, first.stat().st_mtime_ns + 1_000_000_000))
    changed = loop.landing_listing(tmp_path)
    assert changed != arrived
    (tmp_path / "okta" / "b.json").unlink()
    assert loop.landing_listing(tmp_path) not in (before, arrived, changed)
    assert loop.landing_listing(tmp_path / "missing") == frozenset()


@pytest.mark.parametrize("text, seconds", [("60s", 60), ("5m", 300), ("1h", 3600), ("90", 90), ("0.5s", 0.5)])
def test_durations(text, seconds):
    assert loop.parse_every(text) == seconds


@pytest.mark.parametrize("text", ["0s", "-1m", "soon", "5d"])
def test_bad_durations_are_refused(text):
    with pytest.raises(ValueError):
        loop.parse_every(text)


def test_the_build_lock_holds_across_processes_and_dies_with_its_holder(tmp_path):
    database = tmp_path / "secfeat.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from secfeat import warehouse\n"
        f"with warehouse.build_lock({str(database)!r}):\n"
        "    print('held', flush=True); time.sleep(60)")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(warehouse.WarehouseBusy, match=f"pid {holder.pid}"):
            with warehouse.build_lock(database):
                pass
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    with warehouse.build_lock(database):  # the kernel released it with the killed process
        pass


def _secfeat(*args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "secfeat.cli", *args], cwd=PROJECT_ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)


@pytest.mark.dbt
def test_the_loop_builds_publishes_refuses_a_second_start_and_survives_a_kill(tmp_path):
    landing = tmp_path / "landing"
    simulate_landing(landing, days=1, events_per_day=2500, seed=3, end="2026-02-01")
    database = tmp_path / "secfeat.duckdb"
    vars_ = (f"{{landing_dir: '{landing}', mlflow_tracking_dir: '{tmp_path / 'mlruns'}', "
             "as_of: '2026-02-01 00:00:00'}")
    # no champion yet: the models that score with it are left out, as make demo's first build does
    loop_args = ("run", "--duckdb", str(database), "--vars", vars_, "--exclude", "tag:training", "tag:uses_champion+")
    env = {**os.environ, "DBT_TARGET_PATH": str(tmp_path / "target"), "DBT_LOG_PATH": str(tmp_path / "logs")}

    # killed mid-build: nothing published, the lock gone with it
    first = _secfeat(*loop_args, "--every", "1s", "--cycles", "1", env=env)
    deadline = time.monotonic() + 120
    while not database.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(3)  # into the build
    first.send_signal(signal.SIGKILL)
    first.wait()
    assert not (tmp_path / "secfeat.published" / "current").exists()

    running = _secfeat(*loop_args, "--every", "1s", "--cycles", "2", env=env)
    time.sleep(8)  # past parsing: the loop holds the lock
    second = _secfeat(*loop_args, "--every", "1s", "--cycles", "1", env=env)
    second_err = second.communicate(timeout=120)[1]
    assert second.returncode == loop.BUSY_EXIT, second_err
    assert "is being built by pid" in second_err and "one builder at a time" in second_err
    build = _secfeat("build", "--duckdb", str(database), "--vars", vars_, env=env)  # a manual build waits its turn
    assert build.wait(timeout=120) == loop.BUSY_EXIT, build.stderr.read()

    out, err = running.communicate(timeout=600)
    assert running.returncode == 0, err
    cycles = [line for line in out.splitlines() if " cycle " in line]
    assert len(cycles) == 2, out
    assert "cycle 1 ok in" in cycles[0], cycles[0]
    assert "nothing arrived, the tables that move with the clock rebuilt" in cycles[1], cycles[1]
    assert warehouse.current_build(database).manifest["published_after"] == "run cycle 2"

    # nothing lost to the kill: per landed file, raw records = staged + duplicate + quarantined + ignored
    with connect_build(database, read_only=True) as con:
        audited = dict(con.execute("select source_file, sum(record_count)::bigint from landing_audit "
                                   "group by 1").fetchall())
    assert audited == {**raw_reference.raw_record_counts(landing), str(landing / "incidents.csv"): 1}
