"""Incremental ingestion equals a full refresh.

A simulated landing zone is landed into an empty landing dir in random batches,
with the awkward things log shippers do mixed in: files in subfolders, a copy
under a second name landed later (it loses) and one landed with an EARLIER
modification time (it takes the first landing over, until it is touched again),
a gzipped copy, an empty file that later fills, a file rewritten under its own
name with lines removed, changed, cut short and doubled (then restored to its
original bytes and time), and a rewrite that removes events which had been the
first landing, so that a copy elsewhere must win them; a batch of nothing new;
and a last batch that lands a new file while landing_lines alone is rebuilt
with --full-refresh (every file then has one load time, the old with the new).
After each batch an incremental `dbt run` of the ingestion models
(landing_lines, staging, OCSF, audit) must leave every table exactly as a full
refresh of the same landing zone, built in a warehouse of its own, leaves it:
row for row, lineage included (compared after batches 2-4 and the last; batch 0
is a first build, batch 1 is covered by the later ones). The per-file record
counts of landing_audit are compared on their own too, for a readable failure.
Batches are planned so that a copy which loses every event is taken before the
rewrite that hands it events: else the OCSF models would re-read it anyway and
a missed rewrite could not fail the test."""

from __future__ import annotations

import gzip
import os
import random
import shutil
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import pytest

from conftest import OCSF_CLASS_MODELS, DbtProject, simulate_landing
from secfeat import contract

pytestmark = pytest.mark.dbt

SEED = 11
# Incremental and full refresh are compared after these batches and the last
# (batch 3 lands nothing: the full refresh after batch 2 must still hold); a
# full refresh after each would take longer than the whole test should.
FULL_REFRESH_AFTER = (2, 3, 4)
# a batch marked so first rebuilds landing_lines alone with --full-refresh
REREAD = object()
END = "2026-03-01"
# landing_lines and everything downstream of it in the ingestion group: the
# staging, OCSF and audit models (not the features, not ML)
INGESTION = ("--select", "landing_lines+,group:ingestion", "--indirect-selection", "cautious")
STAGING_MODELS = tuple(f"staging.{source['model']}" for source in contract.load()["sources"].values())
OCSF_TABLES = tuple(f"ocsf_{ocsf_class}" for ocsf_class in OCSF_CLASS_MODELS)
AUDIT_TABLES = ("landing_audit", "quarantine")
# every table the ingestion models build, without the load time: the one
# column that is rightly the build's and not the landing zone's
COMPARED = {
    "landing_lines": "select * exclude (loaded_at) from landing.landing_lines",
    **{model: f"select * exclude (_loaded_at) from {model}" for model in STAGING_MODELS + OCSF_TABLES},
    **{table: f"select * from {table}" for table in AUDIT_TABLES},
}
MINUTE = 60 * 10**9  # in nanoseconds, as os.utime takes them


# ---------------------------------------------------------------- the landing zone


@dataclass
class Landing:
    """The landing dir the warehouses read, filled from the simulated files."""

    simulated: Path
    root: Path
    rng: random.Random
    landed: dict[str, Path] = field(default_factory=dict)  # simulated file -> where it was first landed

    def mtime(self, path: Path) -> int:
        return path.stat().st_mtime_ns

    def write(self, path: Path, data: bytes, mtime_ns: int) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        os.utime(path, ns=(mtime_ns, mtime_ns))

    def land(self, name: str, in_subfolder: bool = False) -> str:
        """A simulated file, with its modification time; some in subfolders."""
        source = self.simulated / name
        folder, _, file_name = name.rpartition("/")
        if folder and (in_subfolder or self.rng.random() < 0.3):
            day = file_name.rsplit("_", 1)[-1].split(".")[0]
            subfolder = self.rng.choice(("archive", f"{day[:4]}/{day[5:7]}", f"shipper-2/{day[:4]}/{day[5:7]}"))
            target = self.root / folder / subfolder / file_name
        else:
            target = self.root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
        self.landed[name] = target
        return f"landed {self.rel(target)}"

    def copy(self, name: str, suffix: str, shift_ns: int, compress: bool = False) -> str:
        """A second copy of a landed file, under another name, `shift_ns` later (or earlier)."""
        original = self.landed[name]
        folder = self.root / name.partition("/")[0]
        data = original.read_bytes()
        if compress:
            data = gzip.compress(data, mtime=0)
        target = folder / suffix / original.name if suffix.endswith("/") else folder / (original.name + suffix)
        self.write(target, data, self.mtime(original) + shift_ns)
        return f"copied {self.rel(original)} to {self.rel(target)}, {shift_ns / MINUTE:+.0f} min"

    def touch(self, path: Path, shift_ns: int) -> str:
        mtime = self.mtime(path) + shift_ns
        os.utime(path, ns=(mtime, mtime))
        return f"touched {self.rel(path)}, {shift_ns / MINUTE:+.0f} min"

    def rewrite(self, path: Path, lines: list[bytes], shift_ns: int) -> str:
        self.write(path, b"".join(lines), self.mtime(path) + shift_ns)
        return f"rewrote {self.rel(path)}: {len(lines)} lines, {shift_ns / MINUTE:+.0f} min"

    def restore(self, name: str) -> str:
        """The original bytes and time again: a version landed before."""
        shutil.copy2(self.simulated / name, self.landed[name])
        return f"restored {self.rel(self.landed[name])}"

    def rel(self, path: Path) -> str:
        return str(path.relative_to(self.root))


def lines_of(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def changed_windows_lines(lines: list[bytes], rng: random.Random) -> list[bytes]:
    """Lines removed, changed (a new source IP: the same event, another
    attribute), one cut short (now malformed) and one doubled (a duplicate
    within the file)."""
    kept = [line for line in lines if rng.random() > 0.1]
    changed = []
    for line in kept:
        if b'"IpAddress":"' in line and rng.random() < 0.1:
            start = line.index(b'"IpAddress":"') + len(b'"IpAddress":"')
            end = line.index(b'"', start)
            line = line[:start] + f"198.51.100.{rng.randint(1, 254)}".encode() + line[end:]
        changed.append(line)
    cut = rng.randrange(len(changed))
    changed[cut] = changed[cut][: len(changed[cut]) // 2] + b"\n"
    doubled = rng.randrange(len(changed))
    changed.insert(doubled + rng.randint(1, 20), changed[doubled])
    return changed


def batches(landing: Landing) -> list[list[Callable[[], str]]]:
    """Every batch: what lands in it, each step saying what it did."""
    rng = landing.rng
    simulated = sorted(str(path.relative_to(landing.simulated)) for path in landing.simulated.rglob("*")
                       if path.is_file())
    logs = {}
    for name in simulated:
        if "/" in name:
            logs.setdefault(name.partition("/")[0], []).append(name)
    # copies of three files of batch 0, from three sources
    copied_later, copied_earlier, zipped = (rng.choice(logs[folder]) for folder in rng.sample(sorted(logs), 3))
    # a windows file rewritten with changed lines (and later restored)
    changed = rng.choice([name for name in logs["windows"] if name not in (copied_later, copied_earlier, zipped)])
    # a JSON source: sampled lines of it are events (sshd's may all be chatter)
    empty = landing.root / rng.choice(("windows", "okta", "entra", "cloudtrail")) / "empty.jsonl"
    donor = rng.choice(logs[empty.parent.name])
    batch_of = dict.fromkeys((copied_later, copied_earlier, zipped), 0)
    # A copy that loses every event lands with a file of its source that wins some,
    # and another such file lands before its original is rewritten: the OCSF models
    # then count the copy's load as taken, and must find the events the rewrite
    # removes from the first landing without seeing the copy again.
    for name, batches_of_siblings in ((copied_later, (1, 2)), (zipped, (1,))):
        siblings = [other for other in logs[name.partition("/")[0]] if other not in batch_of]
        for batch, sibling in zip(batches_of_siblings, rng.sample(siblings, len(batches_of_siblings))):
            batch_of[sibling] = batch
    # likewise the filled empty file, whose lines all lose
    if not any(batch_of.get(name) == 2 for name in logs[donor.partition("/")[0]]):
        batch_of[rng.choice([name for name in logs[donor.partition("/")[0]] if name not in batch_of])] = 2
    # one file lands last, when landing_lines is read again from scratch
    held_back = rng.choice([name for folder in logs.values() for name in folder
                            if name not in batch_of and name != changed])
    batch_of[held_back] = 3
    for name in simulated:
        batch_of.setdefault(name, rng.randrange(3))
    originals = [[name for name in simulated if batch_of[name] == batch] for batch in range(4)]
    end = int(datetime.fromisoformat(END).replace(tzinfo=timezone.utc).timestamp()) * 10**9

    def land_all(names):
        return [lambda name=name: landing.land(name, in_subfolder=name == changed) for name in names]

    return [
        [*land_all(originals[0]),
         lambda: (landing.write(landing.root / "misc" / "notes" / "readme.txt", b"not a log\n", end),
                  "wrote misc/notes/readme.txt")[1]],
        [*land_all(originals[1]),
         # loses to its original
         lambda: landing.copy(copied_later, ".copy", 60 * MINUTE),
         # at the same time as its original: the name decides (the original's sorts first)
         lambda: landing.copy(zipped, ".gz", 0, compress=True),
         lambda: (landing.write(empty, b"", end), f"wrote empty {landing.rel(empty)}")[1]],
        [*land_all(originals[2]),
         # landed earlier than its original (still after its events): takes the first landing over
         lambda: landing.copy(copied_earlier, "resent/", -5 * MINUTE),
         lambda: landing.rewrite(landing.landed[changed],
                                 changed_windows_lines(lines_of(landing.landed[changed]), rng), 60 * MINUTE),
         # the empty file filled: duplicates of another file's lines, landed at the end
         lambda: landing.rewrite(empty, rng.sample(lines_of(landing.simulated / donor), 25), 60 * MINUTE)],
        # nothing new
        [],
        # events removed from the first landing: its copy must win them now; the events
        # it keeps it still lands first (30 min later, the copy an hour)
        [lambda: landing.rewrite(landing.landed[copied_later],
                                 [line for line in lines_of(landing.landed[copied_later]) if rng.random() > 0.3],
                                 30 * MINUTE)],
        [REREAD,
         *land_all(originals[3]),
         lambda: landing.restore(changed),
         # the earlier copy touched: its original lands first again
         lambda: landing.touch(landing.root / copied_earlier.partition("/")[0] / "resent"
                               / landing.landed[copied_earlier].name, 2 * 60 * MINUTE)],
    ]


# ---------------------------------------------------------------- comparing warehouses


def rows_of(project: DbtProject) -> dict[str, Counter]:
    return {table: Counter(map(repr, project.query(sql))) for table, sql in COMPARED.items()}


def differences(incremental: dict[str, Counter], full: dict[str, Counter], limit: int = 4) -> list[str]:
    found = []
    for table in COMPARED:
        only_incremental = sorted((incremental[table] - full[table]).elements())
        only_full = sorted((full[table] - incremental[table]).elements())
        if only_incremental or only_full:
            found.append(
                f"{table}: {len(only_incremental)} rows only incremental, {len(only_full)} only in the full refresh"
                + "".join(f"\n    incremental: {row[:600]}" for row in only_incremental[:limit])
                + "".join(f"\n    full:        {row[:600]}" for row in only_full[:limit]))
    return found


def staged_and_duplicate(project: DbtProject) -> Counter:
    return Counter(dict(((name, outcome), count) for name, outcome, count in project.query(
        "select source_file, outcome, sum(record_count)::bigint from landing_audit "
        "where outcome in ('staged', 'duplicate') group by all")))


def record_counts(project: DbtProject) -> dict[str, int]:
    return dict(project.query("select source_file, sum(record_count)::bigint from landing_audit group by all"))


def leftover_temp_tables(project: DbtProject) -> list[str]:
    return [name for name, in project.query(
        "select table_name from duckdb_tables() where database_name = current_database() "
        "and table_name like '%\\_\\_dbt\\_tmp%' escape '\\'")]


def test_landing_in_batches_equals_a_full_refresh(tmp_path):
    simulated, root = tmp_path / "simulated", tmp_path / "landing"
    simulate_landing(simulated, days=3, events_per_day=1500, seed=SEED, end=END)
    root.mkdir()
    landing = Landing(simulated, root, random.Random(SEED))
    incremental = DbtProject(tmp_path / "incremental", root)
    full = DbtProject(tmp_path / "full", root)
    incremental.workdir.mkdir()
    incremental.run("seed")
    # the full refresh's warehouse starts from the same seeds, copied (dbt seed takes seconds)
    shutil.copytree(incremental.workdir, full.workdir, ignore=shutil.ignore_patterns("target", "logs"))

    history, planned, outcomes = [], batches(landing), []
    full_rows = None
    for number, batch in enumerate(planned):
        steps = [step for step in batch if step is not REREAD]
        history.append(f"batch {number}: " + ("; ".join(step() for step in steps) or "nothing new"))
        if REREAD in batch:
            # every file read again, the new with the old: all at one load time
            history[-1] += "; landing_lines rebuilt with --full-refresh first"
            incremental.run("run", "--select", "landing_lines", "--full-refresh")
        incremental.run("run", *INGESTION)
        outcomes.append(staged_and_duplicate(incremental))
        if number in FULL_REFRESH_AFTER or number == len(planned) - 1:
            if steps:
                full.run("run", *INGESTION, "--full-refresh")
                full_rows = rows_of(full)
            # (after a batch of nothing new the last full refresh still holds)
            assert record_counts(incremental) == record_counts(full), "\n".join(history)
            found = differences(rows_of(incremental), full_rows)
            assert not found, "\n".join(history) + "\n" + "\n".join(found)
    assert sum(full_rows["ocsf_authentication"].values()) > 1000
    # dbt-duckdb never drops an incremental Python model's temp table; landing_lines
    # drops those of the builds before (python_models/landing/landing_lines.py)
    assert len(leftover_temp_tables(incremental)) <= 1, leftover_temp_tables(incremental)

    # what the batches were meant to exercise happened: after batch 2 the earlier copy
    # has taken events over, after batch 4 the later one has won those removed from its
    # original; after the last, the touched copy has lost them again
    def where(number, marker):
        return {outcome: count for (name, outcome), count in outcomes[number].items() if marker in name}

    assert where(1, ".copy") == {"duplicate": where(1, ".copy").get("duplicate", 0)} and where(1, ".copy"), outcomes[1]
    assert where(2, "/resent/").get("staged", 0) > 0, outcomes[2]
    assert where(4, ".copy").get("staged", 0) > 0 and where(4, ".copy").get("duplicate", 0) > 0, outcomes[4]
    assert where(2, "empty.jsonl").get("duplicate", 0) > 0, outcomes[2]
    assert where(len(planned) - 1, "/resent/").get("staged", 0) == 0, outcomes[-1]
    subfolders = incremental.query("select count(distinct source_file) from landing.landing_files "
                                   "where regexp_matches(source_file, '/landing/[^/]+/.+/')")
    assert subfolders[0][0] >= 2, "\n".join(history)
    assert incremental.query("select count(*) from landing.landing_files where compression = 'gzip'") == [(1,)]
