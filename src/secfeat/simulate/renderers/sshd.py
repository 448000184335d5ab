"""OpenSSH syslog lines, and how many login attempts a line stands for: ``sshd_attempts`` per
generated line, ``count_sshd_attempts`` the same rule read back from raw text."""

from __future__ import annotations

import random
import re
from typing import Iterable

from secfeat.simulate.activity.sshd import LINUX_SERVERS
from secfeat.simulate.events import Event
from secfeat.simulate.formats import MONTH_ABBREVIATIONS
from secfeat.simulate.renderers.base import Renderer

PID_MAX = 4_194_304  # Linux pid_max on 64-bit hosts


def sshd_attempts(event: Event) -> tuple[int, int]:
    """How many (failed, accepted) login attempts one generated sshd line stands for.

    - ``Failed <method> for [invalid user ]U from IP port P ssh2``: 1 failed.
    - ``message repeated N times: [ Failed ...]``: N failed (syslog's summary
      of N more identical Failed lines on the same connection).
    - ``Accepted <method> for U from IP port P ssh2``: 1 accepted.
    - ``Invalid user U from IP`` on a connection (host, pid) that never logs a
      Failed, repeated-Failed or Accepted line (the client left before trying
      a password): 1 failed. (Generally: a connection without any outcome
      line but with an ``Invalid user`` or pam_unix ``authentication
      failure`` line is 1 failed attempt, counted on the first such line;
      the generator writes only the ``Invalid user`` kind.)
    - every other line (input_userauth_request, pam_unix check pass, pam_unix
      authentication failure on a connection with an outcome line, "PAM n
      more authentication failures", "PAM service(sshd) ignoring max
      retries", "Disconnecting: Too many authentication failures",
      "Connection closed", "Received disconnect", "Did not receive
      identification string", "reverse mapping checking getaddrinfo",
      session opened/closed): 0.

    ``count_sshd_attempts`` applies the same rule to raw lines, where a line
    cut short can turn a connection into one without an outcome. A
    connection's attempt lines always land in the same file, and pids are
    unique per host within a run.
    """
    kind = event.kind
    if kind == "ssh_failed" or kind == "ssh_abandoned":
        return 1, 0
    if kind == "ssh_failed_repeated":
        return event.attrs["times"], 0
    if kind == "ssh_accepted":
        return 0, 1
    return 0, 0


SSHD_SYSLOG = re.compile(r"^[A-Z][a-z]{2} [ 0-9][0-9] [0-9:]{8} (\S+) sshd\[([0-9]+)\]: (.*)$")
SSHD_ATTEMPT_EVIDENCE = re.compile(r"^(?:Invalid user |pam_unix\(sshd:auth\): authentication failure;)")
SSHD_OUTCOME = re.compile(
    r"^(?:message repeated ([0-9]+) times: \[ )?(Failed|Accepted) \S+ for .* from \S+ port [0-9]+"
)


def count_sshd_attempts(lines: Iterable[str]) -> tuple[int, int]:
    """(failed, accepted) login attempts in raw sshd syslog lines, by the rule of ``sshd_attempts``."""
    failed = accepted = 0
    without_outcome: dict[tuple[str, str], bool] = {}  # connection -> it began an attempt and logged no outcome
    for line in lines:
        syslog = SSHD_SYSLOG.match(line)
        if not syslog:
            continue
        host, pid, message = syslog.groups()
        outcome = SSHD_OUTCOME.match(message)
        if outcome:
            times = int(outcome.group(1) or 1)
            if outcome.group(2) == "Failed":
                failed += times
            else:
                accepted += times
            without_outcome[host, pid] = False
        elif SSHD_ATTEMPT_EVIDENCE.match(message):
            without_outcome.setdefault((host, pid), True)
    return failed + sum(without_outcome.values()), accepted


class SshdRenderer(Renderer):
    """Syslog lines as sshd writes them to auth.log: no year, no zone (UTC here).

    Pids are handed out when a connection's first line is written, rising on
    each host as the kernel would, so they are unique within the run."""

    source = "sshd"
    file_stem = "auth"
    suffix = "log"

    def __init__(self) -> None:
        self.last_pid: dict[str, int] = {}
        self.pids: dict[int, int] = {}  # connection -> pid, today's and (below) yesterday's
        self.previous_pids: dict[int, int] = {}

    def new_day(self) -> None:
        """Connections rarely outlive a day: forget older ones, to bound memory."""
        self.previous_pids, self.pids = self.pids, {}

    def render(self, event: Event, rng: random.Random, defect: bool = False) -> str:
        attrs = event.attrs
        host = attrs["host"]
        connection = attrs["connection"]
        pid = self.pids.get(connection) or self.previous_pids.get(connection)
        if pid is None:
            last = self.last_pid.get(host) or LINUX_SERVERS.index(host) * 400_000 + rng.randint(1000, 30000)
            pid = last + rng.randint(1, 6)
            if pid >= PID_MAX:
                pid = 300 + pid - PID_MAX
            self.last_pid[host] = pid
        self.pids[connection] = pid
        at = event.at
        return (f"{MONTH_ABBREVIATIONS[at.month]} {at.day:>2} {at.hour:02d}:{at.minute:02d}:{at.second:02d} "
                f"{host} sshd[{pid}]: {attrs['message']}")
