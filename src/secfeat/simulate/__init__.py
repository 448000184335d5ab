"""Demo landing zone: realistic multi-vendor raw logs with injected attacks.

Writes one file per source per day in the vendors' native formats: Windows
Security events as NXLog JSON, OpenSSH syslog, CloudTrail records, Okta System
Log events, Entra ID sign-ins as Azure Monitor exports them and the Google
Workspace login audit as the Admin SDK Reports API returns it; plus
``incidents.csv`` with the ground truth of every injected attack. One person
has one account everywhere: ``alice.smith`` on Windows (domain CORP), sshd
and IAM, ``alice.smith@corp.example`` at the identity providers and at
Google. Output is deterministic for a seed and an end time; memory is bounded
by one day of events, so millions of events stream to disk.

Each file's modification time is set to when it would have landed (shortly
after the end of its day): the warehouse treats that as the ingest time.
About one event in a hundred arrives a day late, in the next day's file; a
few lines are cut short, and a few cloud records are subtly wrong
(``BAD_RECORDS``), for the quarantine to catch.

sshd writes one login attempt as several lines with the same pid; how many
attempts a line stands for is defined by ``sshd_attempts`` (per generated
line) and ``count_sshd_attempts`` (the same rule read back from raw text).

The package, by the order things happen in:

- ``population``: the people, their accounts, where they work from;
- ``activity``: a day of ordinary activity, one module per source;
- ``attacks``: the injected techniques and their ground truth;
- ``shapes``: orgs of other shapes (opt-in: terminal servers, process
  auditing on a few servers, office NATs, an internet-facing sshd, service
  accounts), benign activity on top of the ordinary;
- ``renderers``: one module per source, each declaring its folder and file
  names; the registry there is where ``SOURCES`` comes from;
- ``landing``: the day loop, the files and their landing times, the defects.

Names with a leading underscore are shared between the package's modules but
are not part of its API.
"""

from secfeat.simulate.activity import normal_day
from secfeat.simulate.attacks import ATTACK_SOURCES, ATTACKS, LATER_ATTACKS, plan_attacks
from secfeat.simulate.config import SimulationConfig, default_end
from secfeat.simulate.events import Event, Incident
from secfeat.simulate.landing import simulate, write_incidents
from secfeat.simulate.population import GEO, HOSTILE_NETWORKS, User, build_population, population_size
from secfeat.simulate.renderers import BAD_RECORDS, FILE_NAMES, RENDERERS, SOURCES
from secfeat.simulate.renderers.sshd import SshdRenderer, count_sshd_attempts, sshd_attempts
from secfeat.simulate.shapes import SHAPES, check_shapes

__all__ = [
    "ATTACKS", "ATTACK_SOURCES", "BAD_RECORDS", "FILE_NAMES", "GEO", "HOSTILE_NETWORKS", "LATER_ATTACKS", "RENDERERS",
    "SHAPES", "SOURCES",
    "Event", "Incident", "SimulationConfig", "SshdRenderer", "User", "build_population", "check_shapes",
    "count_sshd_attempts", "default_end", "normal_day", "plan_attacks", "population_size", "simulate", "sshd_attempts",
    "write_incidents",
]
