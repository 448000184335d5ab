"""`secfeat run --every 60s`: the scheduled loop a team leaves running.

Each cycle builds (the scheduled build: selectors.yml's default), publishes
for readers and prints one line: files arrived, lines, events, signals and
alerts raised, how long the oldest file of the cycle waited until its
events were readable, and the cycle's time. Then it sleeps until the next
tick. dbt parses the project once, when the loop starts, and every cycle
reuses that parse; the analyses are compiled once too (they do not depend
on the data). A cycle that finds the landing zone as the last full cycle
left it (no file arrived, changed or left) builds only the tables that move
with the clock (CLOCK_ONLY_BUILD) and publishes.

One loop per warehouse: the loop holds the warehouse's build lock
(`warehouse.build_lock`) for as long as it runs, and `secfeat build` takes
the same lock, so a second start waits (--wait) or exits with BUSY_EXIT and
says who holds it. A failed cycle is logged with its error and nothing is
published: readers keep the last good build. The next attempt waits longer
each time it fails in a row (twice the cadence, four times, ... up to
--max-backoff), and the cadence returns with the first good cycle. A loop
killed at any point loses nothing: a build is a dbt build (every model
incremental by what it has taken, crash-safe), a publish swaps a whole copy,
and the kernel releases the lock with the process.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

BUSY_EXIT = 3

# A cycle when no file arrived, changed or left the landing zone since the last
# full cycle: only what moves with the clock (tag as_of_build_time: the
# entity-latest tables, whose windows decay without events, and the snapshot
# of them) is built; views compute when read.
CLOCK_ONLY_BUILD = ["--select", "tag:as_of_build_time+", "--exclude", "config.materialized:view", "test_type:unit",
                    "--indirect-selection", "cautious"]

@dataclass(frozen=True)
class Cycle:
    number: int
    ok: bool
    seconds: float
    files: int = 0
    lines: int = 0
    events: int = 0
    signals: int = 0
    alerts: int = 0
    oldest_file_wait_seconds: float | None = None
    build_id: str | None = None
    error: str | None = None
    clock_only: bool = False

    def line(self) -> str:
        if not self.ok:
            return f"cycle {self.number} failed after {self.seconds:.1f}s: {self.error}"
        if self.clock_only:
            return (f"cycle {self.number} ok in {self.seconds:.1f}s: nothing arrived, the tables that move with "
                    f"the clock rebuilt; published {self.build_id}")
        waited = ("no file" if self.oldest_file_wait_seconds is None
                  else f"oldest file readable {self.oldest_file_wait_seconds:.0f}s after it landed")
        return (f"cycle {self.number} ok in {self.seconds:.1f}s: {self.files} files, {self.lines:,} lines, "
                f"{self.events:,} events, {self.signals} signals, {self.alerts} alerts raised; {waited}; "
                f"published {self.build_id}")


def landing_listing(landing_dir: Path) -> frozenset[tuple[str, int, int]]:
    """Every file under the landing zone, with its size and modification time:
    equal listings mean nothing arrived, changed or left."""
    listing, folders = [], [str(landing_dir)]
    while folders:
        try:
            entries = list(os.scandir(folders.pop()))
        except FileNotFoundError:
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                folders.append(entry.path)
            elif entry.is_file():
                stat = entry.stat()
                listing.append((entry.path, stat.st_size, stat.st_mtime_ns))
    return frozenset(listing)


def parse_every(text: str) -> float:
    """'60s', '5m', '1h' or plain seconds."""
    units = {"s": 1, "m": 60, "h": 3600}
    text = text.strip().lower()
    number, unit = (text[:-1], text[-1]) if text[-1:] in units else (text, "s")
    try:
        seconds = float(number) * units[unit]
    except ValueError:
        raise ValueError(f"--every {text!r}: a duration such as 60s, 5m or 1h") from None
    if seconds <= 0:
        raise ValueError("--every must be more than 0 seconds")
    return seconds


def utc_now() -> datetime:
    """Naive UTC, as the warehouse stores time."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def count_cycle(con, since: datetime, ocsf_tables: list[str]) -> dict:
    """What the build since `since` wrote, read from the build warehouse
    `con` (a table a partial build left out counts nothing)."""
    present = {f"{schema}.{name}" for schema, name in con.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = current_database() union all "
        "select schema_name, view_name from duckdb_views() where database_name = current_database()").fetchall()}

    def count(table: str, condition: str, what: str = "count(*)") -> str:
        qualified = table if "." in table else f"main.{table}"
        return f"(select {what} from {qualified} where {condition})" if qualified in present else "null"

    files = "landing.landing_files"
    relation = con.execute(f"""
        select
            coalesce({count(files, "loaded_at >= $since")}, 0) as files,
            coalesce({count(files, "loaded_at >= $since", "sum(line_count)")}, 0) as lines,
            {count(files, "loaded_at >= $since", "min(modified_at)")} as oldest_file_modified_at,
            {" + ".join(f"coalesce({count(table, '_loaded_at >= $since')}, 0)" for table in ocsf_tables) or "0"}
                as events,
            coalesce({count("signals", "first_seen_at >= $since")}, 0) as signals,
            coalesce({count("alerts", "first_raised_at >= $since and status = 'raised'")}, 0) as alerts
    """, {"since": since})
    return dict(zip([column[0] for column in relation.description], relation.fetchone()))


def next_delay(every: float, failures_in_a_row: int, max_backoff: float) -> float:
    """The cadence, or after failures in a row twice, four times... the cadence, at most max_backoff."""
    if failures_in_a_row == 0:
        return every
    return min(every * 2 ** failures_in_a_row, max(max_backoff, every))


def run_loop(run_cycle: Callable[[int], Cycle], every: float, *, cycles: int | None = None,
             max_backoff: float = 900.0, out: Callable[[str], None] = print,
             sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic) -> int:
    """Run `run_cycle` every `every` seconds (from the start of one cycle to
    the start of the next; a cycle longer than that starts the next at
    once), `cycles` times or forever. 0 when the last cycle succeeded, else 1."""
    failures, number, last = 0, 0, None
    while cycles is None or number < cycles:
        number += 1
        started = clock()
        try:
            last = run_cycle(number)
        except Exception as error:  # noqa: BLE001 (a loop that must outlive any one cycle's failure)
            last = Cycle(number, ok=False, seconds=clock() - started, error=f"{type(error).__name__}: {error}")
        failures = 0 if last.ok else failures + 1
        delay = next_delay(every, failures, max_backoff)
        out(last.line() + ("" if last.ok else f"; readers keep the last good build; next attempt in {delay:.0f}s"))
        if cycles is not None and number >= cycles:
            break
        sleep(max(0.0, started + delay - clock()))
    return 0 if last is None or last.ok else 1


def oldest_wait_seconds(oldest_modified_at: datetime | None, readable_at: datetime) -> float | None:
    return None if oldest_modified_at is None else max(0.0, (readable_at - oldest_modified_at).total_seconds())
