"""`secfeat detections replay`: what the detections would have raised over stored history.

It recomputes signals, their verdicts (suppressions included), entity risk and
alerts for the events of [since, until) into the schema `replay` of the build
warehouse (dbt models tagged `replayed`, var replay), never the live tables,
and reports per detection and UTC day: signals, how many were suppressed or
short of a baseline, and the alerts raised. With a detection named, that
detection counts as enabled (var disabled_detections holds it otherwise): a
team sees what a held or new rule would raise before turning it on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import yaml

REPLAY_SCHEMA = "replay"

# per detection and day: the signals (each verdict) and the alerts whose own detection it is
DAILY_SQL = f"""
with signal_days as (
    select
        detection,
        cast(event_at as date) as day,
        count(*) filter (where verdict != 'withdrawn') as signals,
        count(*) filter (where verdict = 'suppressed') as suppressed,
        count(*) filter (where verdict = 'insufficient_baseline') as insufficient_baseline,
        count(*) filter (where verdict = 'disabled') as disabled
    from {REPLAY_SCHEMA}.triaged_signals
    group by all
),

alert_days as (
    select detection, alert_day as day, count(*) as alerts_raised
    from {REPLAY_SCHEMA}.alerts
    where status = 'raised'
    group by all
)

select
    detection,
    day,
    coalesce(signals, 0) as signals,
    coalesce(suppressed, 0) as suppressed,
    coalesce(insufficient_baseline, 0) as insufficient_baseline,
    coalesce(disabled, 0) as disabled,
    coalesce(alerts_raised, 0) as alerts_raised
from signal_days
full outer join alert_days using (detection, day)
order by detection, day
"""


@dataclass(frozen=True)
class ReplayDay:
    detection: str
    day: object
    signals: int
    suppressed: int
    insufficient_baseline: int
    disabled: int
    alerts_raised: int


def replay_vars(base_vars: str | None, since: datetime, until: datetime, detection: str | None) -> str:
    """The build's own --vars (YAML) with var replay set: what the replay's dbt run is given."""
    if until <= since:
        raise ValueError(f"--until ({until}) must be after --since ({since})")
    values = (yaml.safe_load(base_vars) if base_vars else None) or {}
    values["replay"] = {"since": since.isoformat(sep=" "), "until": until.isoformat(sep=" "),
                        "detection": detection}
    return json.dumps(values)


def reset_schema(con) -> None:
    """A replay starts from nothing: the previous replay's tables go (alerts keep history otherwise)."""
    con.execute(f"drop schema if exists {REPLAY_SCHEMA} cascade")


def daily_figures(con, detection: str | None = None) -> list[ReplayDay]:
    rows = con.execute(DAILY_SQL).fetchall()
    return [ReplayDay(*row) for row in rows if detection is None or row[0] == detection]


def report(days: list[ReplayDay], since: datetime, until: datetime) -> str:
    lines = [f"Replay of {since:%Y-%m-%d %H:%M} .. {until:%Y-%m-%d %H:%M} UTC (schema {REPLAY_SCHEMA}; "
             "live tables untouched)",
             f"{'detection':<37}{'day':<12}{'signals':>8}{'suppressed':>11}{'no baseline':>12}{'disabled':>9}"
             f"{'alerts':>7}"]
    for day in days:
        lines.append(f"{day.detection:<37}{day.day!s:<12}{day.signals:>8,}{day.suppressed:>11,}"
                     f"{day.insufficient_baseline:>12,}{day.disabled:>9,}{day.alerts_raised:>7,}")
    totals: dict[str, list[int]] = {}
    for day in days:
        counts = totals.setdefault(day.detection, [0, 0, 0])
        counts[0] += day.signals
        counts[1] += day.suppressed
        counts[2] += day.alerts_raised
    lines.append("per detection: signals, share suppressed, alerts a day")
    span_days = max((until - since).total_seconds() / 86400, 1e-9)
    for name, (signals, suppressed, alerts) in sorted(totals.items()):
        share = f"{suppressed / signals:.0%}" if signals else "n/a"
        lines.append(f"  {name:<35}{signals:>8,}{share:>8}{alerts / span_days:>8.1f}")
    return "\n".join(lines)
