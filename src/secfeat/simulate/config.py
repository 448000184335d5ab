"""What to simulate: how many days up to which end, how busy, which seed, where to write, and
(opt-in) how big the org is and which shapes it has."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path


@dataclass(frozen=True)
class SimulationConfig:
    days: int
    events_per_day: int
    seed: int
    end: datetime
    out: Path
    # Orgs of other shapes (simulate.shapes), on top of the ordinary activity; none: the demo's org.
    shapes: tuple[str, ...] = ()
    # How many people the org has (default: one per 200 events a day, at least 20).
    users: int | None = None

    @property
    def start(self) -> datetime:
        return self.end - timedelta(days=self.days)


def default_end(now: datetime | None = None) -> datetime:
    """Midnight UTC today: the last complete day ends there."""
    now = now or datetime.now(timezone.utc)
    return now.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
