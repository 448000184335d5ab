"""The landing zone on disk: the day loop, which file each event lands in and when, the lines cut
short and the records made subtly wrong, and incidents.csv.

Each source belongs to one random stream, re-seeded every day. The first five
share the stream they always had; a source added since has a stream of its
own (its events, late arrivals, rendering and defects all draw from it), so
adding one changes no byte of the others' files. An org's shapes (opt-in, see
``shapes``) add their events to the first stream's days, each drawing them
from a stream of its own; with none, nothing changes.
"""

from __future__ import annotations

import csv
import os
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from operator import attrgetter
from pathlib import Path
from typing import Callable, Iterable

from secfeat.simulate.activity import normal_day
from secfeat.simulate.activity.google_workspace import (
    GOOGLE_WORKSPACE_SHARE, google_workspace_day, google_workspace_users,
)
from secfeat.simulate.attacks import plan_attacks
from secfeat.simulate.config import SimulationConfig
from secfeat.simulate.events import Event, Incident
from secfeat.simulate.population import build_population
from secfeat.simulate.renderers import BAD_RECORDS, RENDERERS, SOURCES
from secfeat.simulate.shapes import OrgShapes

LATE_EVENT_SHARE = 0.01
MALFORMED_LINE_SHARE = 0.0002
LANDING_DELAY = timedelta(minutes=10)
# About one record in this many of each source in BAD_RECORDS is subtly wrong.
BAD_RECORD_INTERVAL = 5000
# The sources of the original stream; every other source has a stream of its own.
SHARED_STREAM_SOURCES = ("windows", "sshd", "cloudtrail", "okta", "entra")


def _malformed(line: str, rng: random.Random) -> str:
    """What shippers really produce now and then: a line cut short."""
    return line[: rng.randint(1, max(1, len(line) // 2))]


class _BadRecordSchedule:
    """Decides which records of each cloud source come out subtly wrong: about
    one in BAD_RECORD_INTERVAL, at positions drawn from the seed."""

    def __init__(self, rng: random.Random, sources: Iterable[str]) -> None:
        self.rng = rng
        bad_sources = [source for source in BAD_RECORDS if source in sources]
        self.seen = dict.fromkeys(bad_sources, 0)
        self.next_bad = {source: rng.randrange(BAD_RECORD_INTERVAL) for source in bad_sources}

    def due(self, source: str) -> bool:
        if source not in self.seen:
            return False
        self.seen[source] += 1
        if self.seen[source] < self.next_bad[source]:
            return False
        self.next_bad[source] += self.rng.randint(BAD_RECORD_INTERVAL // 2, BAD_RECORD_INTERVAL * 3 // 2)
        return True


@dataclass
class _Stream:
    """Sources whose events come from one random stream: day d draws from Random(f"{seed}:{d}"),
    the bad-record positions from Random(f"{seed}:bad")."""

    seed: str
    sources: tuple[str, ...]
    events_of_day: Callable[[random.Random, int], list[Event]]
    bad_records: _BadRecordSchedule = field(init=False)
    rng: random.Random | None = None  # the latest day's: it also renders the files written after that day
    pending: dict[int, list[Event]] = field(default_factory=lambda: defaultdict(list))  # landing day -> events

    def __post_init__(self) -> None:
        self.bad_records = _BadRecordSchedule(random.Random(f"{self.seed}:bad"), self.sources)


def simulate(config: SimulationConfig, sources: Iterable[str] = SOURCES) -> dict[str, int]:
    """Write the landing zone, the folders of `sources` (leaving one out changes nothing in the
    others' files); return the number of lines written per source."""
    wanted = set(sources)
    if wanted - set(SOURCES):
        raise ValueError(f"no such source: {', '.join(sorted(wanted - set(SOURCES)))}")
    written = tuple(source for source in SOURCES if source in wanted)
    if config.users is not None and config.users < 5:
        raise ValueError(f"an org of {config.users} users: at least 5 (every role exists)")
    master = random.Random(config.seed)
    users = build_population(master, config.events_per_day, config.users)
    org_shapes = OrgShapes(config.shapes, config.seed, users) if config.shapes else None
    attack_events, incidents = plan_attacks(master, config, users)
    attacks_by_day: dict[int, list[Event]] = defaultdict(list)
    for event in attack_events:
        attacks_by_day[(event.at - config.start).days].append(event)

    def shared_day(rng: random.Random, day_index: int) -> list[Event]:
        day = config.start + timedelta(days=day_index)
        budget = max(0, config.events_per_day - len(attacks_by_day[day_index]))
        if org_shapes:  # their events come on top of the budget
            return (org_shapes.day(day_index, day, normal_day(rng, day, users, budget))
                    + org_shapes.attacks(attacks_by_day[day_index]))
        return normal_day(rng, day, users, budget) + attacks_by_day[day_index]

    google_users = google_workspace_users(users)

    def google_workspace(rng: random.Random, day_index: int) -> list[Event]:
        day = config.start + timedelta(days=day_index)
        return google_workspace_day(rng, day, google_users, round(config.events_per_day * GOOGLE_WORKSPACE_SHARE))

    streams = [_Stream(str(config.seed), SHARED_STREAM_SOURCES, shared_day),
               _Stream(f"{config.seed}:google_workspace", ("google_workspace",), google_workspace)]
    assert sorted(s for stream in streams for s in stream.sources) == sorted(SOURCES), "a source without a stream"
    # a stream none of whose sources is written need not be drawn at all
    streams = [stream for stream in streams if set(stream.sources) & set(written)]

    renderers = {source: RENDERERS[source]() for source in SOURCES}
    for source in written:
        (config.out / source).mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = defaultdict(int)
    # Generating day d can spill into d-1 and d+1 (time zones), so a day's
    # file is written once the following day has been generated.
    for day_index in range(config.days + 1):
        if day_index < config.days:
            for stream in streams:
                stream.rng = random.Random(f"{stream.seed}:{day_index}")
                _schedule_landing(config, stream.events_of_day(stream.rng, day_index), stream.rng, stream.pending)
        if day_index >= 1:
            for stream in streams:
                events = stream.pending.pop(day_index - 1, [])
                events.sort(key=attrgetter("at"))
                _write_day(config, day_index - 1, events, stream, renderers, written, counts)
    write_incidents(config.out / "incidents.csv", incidents)
    counts["incidents"] = len(incidents)
    return dict(counts)


def _schedule_landing(config: SimulationConfig, events: list[Event], rng: random.Random,
                      pending: dict[int, list[Event]]) -> None:
    """Events land in the file of the day they happened (a late one: the next
    day's). The lines of one sshd authentication land together, and are
    dropped together if they would reach past the end."""
    start, end = config.start, config.end
    group_end: dict[int, datetime] = {}
    for event in events:
        group = event.attrs.get("group")
        if group is not None and event.at > group_end.get(group, event.at - timedelta(1)):
            group_end[group] = event.at
    group_landing: dict[int, int] = {}
    for event in events:
        group = event.attrs.get("group")
        if (group_end[group] if group is not None else event.at) >= end:
            continue  # nothing from the future
        landing_day = group_landing.get(group) if group is not None else None
        if landing_day is None:
            landing_day = min(max((event.at - start).days, 0), config.days - 1)
            if landing_day < config.days - 1 and rng.random() < LATE_EVENT_SHARE:
                landing_day += 1
            if group is not None:
                group_landing[group] = landing_day
        pending[landing_day].append(event)


def _write_day(config: SimulationConfig, day_index: int, events: list[Event], stream: _Stream, renderers: dict,
               written: tuple[str, ...], counts: dict[str, int]) -> None:
    day = config.start + timedelta(days=day_index)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    landed_at = min(day + timedelta(days=1) + LANDING_DELAY, now)
    stamp = landed_at.replace(tzinfo=timezone.utc).timestamp()
    rng, bad_records = stream.rng, stream.bad_records
    by_source: dict[str, list[Event]] = defaultdict(list)
    for event in events:
        by_source[event.source].append(event)
    for source in stream.sources:
        render = renderers[source].render
        lines = []
        for event in by_source[source]:
            line = render(event, rng, bad_records.due(source))
            if rng.random() < MALFORMED_LINE_SHARE:
                line = _malformed(line, rng)
            lines.append(line + "\n")
        if source not in written:
            continue  # rendered all the same: the stream's later draws depend on it
        path = config.out / source / renderers[source].file_name(day)
        with path.open("w", encoding="utf-8", newline="\n") as handle:
            handle.writelines(lines)
        counts[source] += len(lines)
        os.utime(path, (stamp, stamp))
    for source in stream.sources:
        renderers[source].new_day()


def write_incidents(path: Path, incidents: list[Incident]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(("incident_id", "technique", "entity_type", "entity", "start_at", "end_at"))
        for incident in sorted(incidents, key=lambda i: (i.start_at, i.incident_id, i.entity)):
            writer.writerow((incident.incident_id, incident.technique, incident.entity_type, incident.entity,
                             incident.start_at.isoformat(sep=" "), incident.end_at.isoformat(sep=" ")))
