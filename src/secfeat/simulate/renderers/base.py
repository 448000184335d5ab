"""What every renderer declares: its landing folder, its file names, and the record it gets wrong on purpose."""

from __future__ import annotations

import random
from datetime import datetime

from secfeat.simulate.events import Event


class Renderer:
    """Turns the Events of one source into the lines of its vendor's format."""

    source: str  # the folder under the landing directory (the dbt sources read these)
    file_stem: str  # a day's file is <file_stem>_<YYYY-MM-DD>.<suffix>
    suffix: str
    bad_record: str | None = None  # what a subtly wrong record looks like, if the source has them

    def render(self, event: Event, rng: random.Random, defect: bool = False) -> str:
        raise NotImplementedError

    def new_day(self) -> None:
        """Called after each day's file is written."""

    @classmethod
    def file_name(cls, day: datetime) -> str:
        return f"{cls.file_stem}_{day:%Y-%m-%d}.{cls.suffix}"
