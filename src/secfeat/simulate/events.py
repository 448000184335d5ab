"""An event before it is rendered in a vendor's format, and an injected incident (the ground truth)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(order=True, slots=True)
class Event:
    """One security event (for sshd: one syslog line) before rendering into a vendor format."""

    at: datetime
    source: str = field(compare=False)
    kind: str = field(compare=False)
    attrs: dict = field(compare=False, default_factory=dict)


@dataclass(frozen=True)
class Incident:
    incident_id: str
    technique: str
    entity_type: str
    entity: str
    start_at: datetime
    end_at: datetime
