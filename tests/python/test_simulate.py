"""The demo generator: deterministic, realistic in shape, honest about time."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from conftest import simulate_landing
from secfeat.simulate import ATTACKS

SYSLOG_LINE = re.compile(r"^[A-Z][a-z]{2} [ 1-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-5][0-9] \S+ sshd\[[0-9]+\]: .+$")


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*")) if path.is_file()
    }


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("landing")
    simulate_landing(out, days=4, events_per_day=4000, seed=3, end="2026-02-01")
    return out


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path, landing):
    again = tmp_path / "again"
    other = tmp_path / "other"
    simulate_landing(again, days=4, events_per_day=4000, seed=3, end="2026-02-01")
    simulate_landing(other, days=4, events_per_day=4000, seed=4, end="2026-02-01")
    assert _digest(again) == _digest(landing)
    assert _digest(other) != _digest(landing)


def test_one_file_per_source_per_day(landing):
    for source, suffix in (("windows", "jsonl"), ("sshd", "log")):
        files = sorted(p.name for p in (landing / source).iterdir())
        assert len(files) == 4, files
        assert all(name.endswith(suffix) for name in files)


def test_every_technique_is_injected_with_ground_truth(landing):
    with (landing / "incidents.csv").open() as handle:
        incidents = list(csv.DictReader(handle))
    assert {row["technique"] for row in incidents} == set(ATTACKS)
    for row in incidents:
        assert row["start_at"] <= row["end_at"]
        assert row["entity_type"] in {"user", "src_ip"}


def test_windows_lines_are_nxlog_security_records(landing):
    lines = [line for path in (landing / "windows").iterdir() for line in path.read_text().splitlines()]
    records = []
    for line in lines:
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            continue  # the generator cuts the odd line short, as shippers do
    assert len(records) >= 0.99 * len(lines)
    assert {r["EventID"] for r in records} >= {4624, 4625, 4634, 4672, 4688}
    for record in records:
        assert record["Channel"] == "Security"
        datetime.strptime(record["EventTime"], "%Y-%m-%d %H:%M:%S")
    failures = [r for r in records if r["EventID"] == 4625]
    assert failures and all(r["Status"].startswith("0xc") and r["SubStatus"].startswith("0xc") for r in failures)


def test_sshd_lines_are_syslog(landing):
    lines = [line for path in (landing / "sshd").iterdir() for line in path.read_text().splitlines()]
    well_formed = [line for line in lines if SYSLOG_LINE.match(line)]
    assert len(well_formed) >= 0.99 * len(lines)
    assert any(" Accepted publickey for " in line for line in lines)
    assert any(" Failed password for invalid user " in line for line in lines)


def test_files_land_after_their_events_and_some_events_are_late(landing):
    late = 0
    for path in (landing / "windows").iterdir():
        day = datetime.strptime(path.stem.split("_")[1], "%Y-%m-%d")
        landed = datetime.fromtimestamp(os.path.getmtime(path), timezone.utc).replace(tzinfo=None)
        assert landed == day + timedelta(days=1, minutes=10)
        for line in path.read_text().splitlines():
            try:
                at = datetime.strptime(json.loads(line)["EventTime"], "%Y-%m-%d %H:%M:%S")
            except (json.JSONDecodeError, KeyError):
                continue
            assert at <= landed, f"{path.name} holds an event after it landed"
            late += at < day
    assert late > 0, "no late-arriving events were generated"


def test_nothing_after_the_end(landing):
    end = datetime(2026, 2, 1)
    for path in (landing / "windows").iterdir():
        for line in path.read_text().splitlines():
            try:
                assert datetime.strptime(json.loads(line)["EventTime"], "%Y-%m-%d %H:%M:%S") < end
            except json.JSONDecodeError:
                continue
