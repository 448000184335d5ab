"""sshd: admins' sessions on the Linux servers and the constant background of internet scanners.
Each Event is one syslog line; the lines of one connection share a group."""

from __future__ import annotations

import base64
import random
from datetime import datetime, timedelta

from secfeat.simulate.events import Event
from secfeat.simulate.population import COUNTRY_NETWORKS, User, _geo, _hostile_ip, _ip_in

LINUX_SERVERS = ("bastion-01", "web-01", "web-02", "db-01")

NONEXISTENT_USERS = ("admin", "administrator", "test", "guest", "oracle", "support", "backup", "user1")
SCANNED_USERS = ("root",) * 4 + NONEXISTENT_USERS + ("ubuntu", "pi", "postgres", "webmaster", "ftpuser")
MAX_AUTH_TRIES = 6  # sshd's MaxAuthTries default


def _sshd(at: datetime, host: str, connection: int, kind: str, message: str, attempt_line: bool = True,
          **extra) -> Event:
    """One sshd line. The lines of an authentication share a group so they land in the same file."""
    attrs = {"host": host, "connection": connection, "message": message, **extra}
    if attempt_line:
        attrs["group"] = connection
    return Event(at, "sshd", kind, attrs)


def _ssh_goodbye(rng: random.Random, ip: str) -> str:
    if rng.random() < 0.3:
        return f"Connection closed by {ip} [preauth]"
    return f"Received disconnect from {ip}: 11: Bye Bye [preauth]"


def _ptr_name(ip: str) -> str:
    domain = _geo(ip)[3][3] or "static.example.net"
    return f"{ip.replace('.', '-')}.{domain}"


def _ssh_password_guesses(rng: random.Random, at: datetime, host: str, ip: str, user: str, attempts: int,
                          known: bool, reverse_mapping: bool = False) -> list[Event]:
    """One connection on which a client tries `attempts` passwords for `user`
    (0: it names an invalid user and leaves), as sshd and PAM log it."""
    connection = rng.getrandbits(48)
    port = rng.randint(30000, 65000)
    lines: list[Event] = []
    t = at

    def say(kind: str, message: str, **extra) -> None:
        lines.append(_sshd(t, host, connection, kind, message, **extra))

    if reverse_mapping:
        say("ssh_info", f"reverse mapping checking getaddrinfo for {_ptr_name(ip)} [{ip}] failed - "
                        "POSSIBLE BREAK-IN ATTEMPT!")
    if not known:
        say("ssh_abandoned" if attempts == 0 else "ssh_info", f"Invalid user {user} from {ip}")
        say("ssh_info", f"input_userauth_request: invalid user {user} [preauth]")
        if attempts == 0:
            t += timedelta(seconds=rng.randint(0, 3))
            say("ssh_info", _ssh_goodbye(rng, ip))
            return lines
        say("ssh_info", "pam_unix(sshd:auth): check pass; user unknown")
        say("ssh_info", f"pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= "
                        f"rhost={ip} ")
        for attempt in range(attempts):
            if attempt:
                t += timedelta(seconds=rng.randint(1, 3))
                say("ssh_info", "pam_unix(sshd:auth): check pass; user unknown")
            t += timedelta(seconds=rng.randint(1, 3))
            say("ssh_failed", f"Failed password for invalid user {user} from {ip} port {port} ssh2")
    else:
        say("ssh_info", f"pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= "
                        f"rhost={ip}  user={user}")
        t += timedelta(seconds=rng.randint(1, 3))
        failed = f"Failed password for {user} from {ip} port {port} ssh2"
        say("ssh_failed", failed)
        if attempts == 2:  # syslog writes a single repeat as it is...
            t += timedelta(seconds=rng.randint(2, 3))
            say("ssh_failed", failed)
        elif attempts > 2:  # ...and summarises more
            t += timedelta(seconds=rng.randint(2 * (attempts - 1), 3 * (attempts - 1)))
            say("ssh_failed_repeated", f"message repeated {attempts - 1} times: [ {failed}]", times=attempts - 1)
    if attempts >= MAX_AUTH_TRIES:
        say("ssh_info", f"Disconnecting: Too many authentication failures for {user} [preauth]")
    else:
        t += timedelta(seconds=rng.randint(0, 1))
        say("ssh_info", _ssh_goodbye(rng, ip))
    if attempts > 1:
        more = attempts - 1
        say("ssh_info", f"PAM {more} more authentication failure{'s' if more > 1 else ''}; logname= uid=0 euid=0 "
                        f"tty=ssh ruser= rhost={ip}" + (f"  user={user}" if known else " "))
    if attempts > 3:
        say("ssh_info", f"PAM service(sshd) ignoring max retries; {attempts} > 3")
    return lines


def _ssh_login(rng: random.Random, at: datetime, host: str, ip: str, user: str, method: str,
               duration: timedelta, typo: bool = False) -> list[Event]:
    """A successful login (after a mistyped password, if `typo`), its session, and its end."""
    connection = rng.getrandbits(48)
    port = rng.randint(30000, 65000)
    lines = []
    if typo:
        lines.append(_sshd(at, host, connection, "ssh_info", f"pam_unix(sshd:auth): authentication failure; "
                           f"logname= uid=0 euid=0 tty=ssh ruser= rhost={ip}  user={user}"))
        at += timedelta(seconds=rng.randint(1, 3))
        lines.append(_sshd(at, host, connection, "ssh_failed",
                           f"Failed password for {user} from {ip} port {port} ssh2"))
        at += timedelta(seconds=rng.randint(2, 8))
        method = "password"
    key = f": RSA SHA256:{base64.b64encode(rng.randbytes(32)).decode()[:43]}" if method == "publickey" else ""
    lines.append(_sshd(at, host, connection, "ssh_accepted",
                       f"Accepted {method} for {user} from {ip} port {port} ssh2{key}"))
    lines.append(_sshd(at, host, connection, "ssh_info",
                       f"pam_unix(sshd:session): session opened for user {user} by (uid=0)"))
    lines.append(_sshd(at + duration, host, connection, "ssh_info",
                       f"pam_unix(sshd:session): session closed for user {user}", attempt_line=False))
    return lines


def _ssh_admin_session(rng: random.Random, at: datetime, user: User) -> list[Event]:
    method = "publickey" if rng.random() < 0.85 else "password"
    duration = timedelta(seconds=rng.randint(30, 4 * 3600))
    return _ssh_login(rng, at, rng.choice(LINUX_SERVERS), user.workstation_ip, user.name, method, duration,
                      typo=rng.random() < 0.05)


def _internet_ssh_noise(rng: random.Random, day: datetime) -> list[Event]:
    """Scanners: a few connections in a row from one address, each guessing
    some passwords for root or a made-up account, or just probing."""
    hostile = rng.random() < 0.5
    ip = _hostile_ip(rng)[0] if hostile else _ip_in(rng, COUNTRY_NETWORKS["US"])
    at = day + timedelta(seconds=rng.randint(0, 86399))
    host = "bastion-01"
    if rng.random() < 0.08:
        return [_sshd(at, host, rng.getrandbits(48), "ssh_info", f"Did not receive identification string from {ip}")]
    events: list[Event] = []
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        user = rng.choice(SCANNED_USERS)
        known = user == "root"
        roll = rng.random()
        if not known and roll < 0.15:
            attempts = 0
        elif roll < 0.7:
            attempts = 1
        elif known and roll < 0.85:
            attempts = MAX_AUTH_TRIES
        else:
            attempts = rng.randint(2, 5)
        connection = _ssh_password_guesses(rng, at, host, ip, user, attempts, known,
                                           reverse_mapping=hostile and rng.random() < 0.3)
        events.extend(connection)
        at = connection[-1].at + timedelta(seconds=rng.randint(0, 5))
    return events
