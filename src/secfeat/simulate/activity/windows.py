"""Windows: logons (with the odd typo), Kerberos and NTLM checks at the domain controllers, logoffs,
privileges for admins, processes."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from secfeat.simulate.events import Event
from secfeat.simulate.population import User, _ghost

WINDOWS_SERVERS = ("DC01", "DC02", "FS01", "APP01", "SQL01")
DOMAIN_CONTROLLERS = WINDOWS_SERVERS[:2]
MEMBER_SERVERS = WINDOWS_SERVERS[2:]

EXPLORER = r"C:\Windows\explorer.exe"
CMD = r"C:\Windows\System32\cmd.exe"
POWERSHELL = r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe"
SERVICES = r"C:\Windows\System32\services.exe"
# Programs people run every day: path -> (parent process, command line).
COMMON_PROCESSES = {
    r"C:\Program Files\Google\Chrome\Application\chrome.exe":
        (EXPLORER, r'"C:\Program Files\Google\Chrome\Application\chrome.exe" --profile-directory=Default'),
    r"C:\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE":
        (EXPLORER, r'"C:\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE"'),
    r"C:\Program Files\Microsoft Office\root\Office16\EXCEL.EXE":
        (EXPLORER, r'"C:\Program Files\Microsoft Office\root\Office16\EXCEL.EXE" /dde'),
    r"C:\Users\Public\AppData\Local\Microsoft\Teams\current\Teams.exe":
        (EXPLORER, r'"C:\Users\Public\AppData\Local\Microsoft\Teams\current\Teams.exe" --system-initiated'),
    r"C:\Windows\System32\svchost.exe": (SERVICES, r"C:\Windows\system32\svchost.exe -k netsvcs -p -s Schedule"),
    EXPLORER: (r"C:\Windows\System32\userinit.exe", r"C:\Windows\Explorer.EXE"),
    CMD: (EXPLORER, r'"C:\Windows\System32\cmd.exe"'),
    POWERSHELL: (EXPLORER, r'"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe" -NoLogo'),
    r"C:\Windows\System32\notepad.exe":
        (EXPLORER, r'"C:\Windows\System32\notepad.exe" C:\Users\Public\Documents\notes.txt'),
    r"C:\Windows\System32\conhost.exe": (CMD, r"\??\C:\Windows\system32\conhost.exe 0xffffffff -ForceV1"),
}
COMMON_PROCESS_PATHS = tuple(COMMON_PROCESSES)
# What an intruder runs: path -> (parent process, command line).
RARE_PROCESSES = {
    r"C:\Users\Public\Downloads\mimikatz.exe": (CMD, 'mimikatz.exe "privilege::debug" "sekurlsa::logonpasswords" exit'),
    r"C:\Windows\Temp\procdump64.exe": (CMD, r"procdump64.exe -accepteula -ma lsass.exe C:\Windows\Temp\lsass.dmp"),
    r"C:\ProgramData\rclone.exe": (POWERSHELL, r"rclone.exe copy \\FS01\finance mega:backup --transfers 16"),
    r"C:\Windows\PSEXESVC.exe": (SERVICES, r"C:\Windows\PSEXESVC.exe"),
    r"C:\Users\Public\AdFind.exe": (CMD, 'AdFind.exe -f "(objectcategory=person)" -csv name samaccountname'),
}

# Windows logon failure codes (Status, SubStatus).
BAD_PASSWORD = ("0xc000006d", "0xc000006a")
NO_SUCH_USER = ("0xc000006d", "0xc0000064")
LOCKED_OUT = ("0xc0000234", "0x0")
PASSWORD_EXPIRED = ("0xc000006e", "0xc0000071")  # only service accounts of an org shape let theirs expire
# The same failures as a domain controller reports them: NTLM (4776) and Kerberos (4768) result codes.
NTLM_STATUS = {BAD_PASSWORD: "0xc000006a", NO_SUCH_USER: "0xc0000064", LOCKED_OUT: "0xc0000234",
               PASSWORD_EXPIRED: "0xc0000071"}
KERBEROS_STATUS = {BAD_PASSWORD: "0x18", NO_SUCH_USER: "0x6", LOCKED_OUT: "0x12", PASSWORD_EXPIRED: "0x17"}


def _win(at: datetime, kind: str, **attrs) -> Event:
    return Event(at, "windows", kind, attrs)


def _logon_id(rng: random.Random) -> str:
    return hex(rng.getrandbits(28) | 0x100000)


def _dc_check(at: datetime, rng: random.Random, user: User, client_ip: str, ntlm: bool,
              codes: tuple[str, str] | None = None) -> Event:
    """What the domain controller logs for a credential check: NTLM (4776) or a Kerberos TGT (4768)."""
    dc = rng.choice(DOMAIN_CONTROLLERS)
    if ntlm:
        status = NTLM_STATUS[codes] if codes else "0x0"
        return _win(at, "ntlm_validation", user=user, host=dc, workstation=user.workstation or "-", status=status)
    status = KERBEROS_STATUS[codes] if codes else "0x0"
    return _win(at, "kerberos_tgt", user=user, host=dc, ip=client_ip, status=status)


def _swap_two_letters(rng: random.Random, name: str) -> str:
    i = rng.randrange(len(name) - 1)
    return name[:i] + name[i + 1] + name[i] + name[i + 2:]


def _windows_session(rng: random.Random, at: datetime, user: User) -> list[Event]:
    roll = rng.random()
    if roll < 0.6:
        logon_type, host, ip = 2, user.workstation, "127.0.0.1"
    elif roll < 0.92:
        logon_type, host, ip = 3, rng.choice(WINDOWS_SERVERS), user.workstation_ip
    else:  # remote worker over the VPN-less RDP gateway, from home
        logon_type, host, ip = 10, rng.choice(MEMBER_SERVERS), user.home_ip
    ntlm = logon_type == 10 or rng.random() < 0.1
    package = "NTLM" if ntlm else "Kerberos" if logon_type == 3 else "Negotiate"
    client_ip = user.home_ip if logon_type == 10 else user.workstation_ip
    common = {"user": user, "host": host, "ip": ip, "logon_type": logon_type, "logon_id": _logon_id(rng)}
    events = []
    if rng.random() < 0.005:  # a mistyped user name: no such account
        nobody = _ghost(_swap_two_letters(rng, user.name))
        events.append(_dc_check(at, rng, nobody, client_ip, ntlm, NO_SUCH_USER))
        events.append(_win(at, "logon_failure", **{**common, "user": nobody}, codes=NO_SUCH_USER))
        at += timedelta(seconds=rng.randint(3, 20))
    typos = 0
    if rng.random() < 0.04:  # a typo first; now and then one too many and the account locks
        typos = 1 if rng.random() < 0.97 else 6
    for attempt in range(typos):
        codes = LOCKED_OUT if attempt == 5 else BAD_PASSWORD
        events.append(_dc_check(at, rng, user, client_ip, ntlm, codes))
        events.append(_win(at, "logon_failure", **common, codes=codes))
        at += timedelta(seconds=rng.randint(3, 40))
    if typos == 6:
        return events  # the help desk takes it from here
    if logon_type == 2 or ntlm:
        events.append(_dc_check(at, rng, user, client_ip, ntlm))
    if not ntlm:
        service = f"{host}$"
        events.append(_win(at, "kerberos_service_ticket", user=user, host=rng.choice(DOMAIN_CONTROLLERS),
                           ip=client_ip, service=service))
    events.append(_win(at, "logon_success", **common, package=package))
    if user.is_admin and logon_type != 2:
        events.append(_win(at, "special_privileges", **common))
    session_end = at + timedelta(minutes=rng.randint(5, 480))
    if logon_type == 2:
        for _ in range(rng.randint(0, 3)):
            events.extend(_process_run(rng, at, session_end, common, rng.choice(COMMON_PROCESS_PATHS),
                                       COMMON_PROCESSES))
        if rng.random() < 0.4:
            events.append(_win(session_end - timedelta(seconds=1), "user_logoff", **common))
    events.append(_win(session_end, "logoff", **common))
    return events


def _process_run(rng: random.Random, logon_at: datetime, session_end: datetime, common: dict, path: str,
                 catalogue: dict) -> list[Event]:
    """A process start (4688) and, before the session ends, its exit (4689)."""
    seconds = max(10, int((session_end - logon_at).total_seconds()) - 5)
    started = logon_at + timedelta(seconds=rng.randint(5, min(3600, seconds)))
    ended = started + (session_end - started) * rng.random()
    parent, command_line = catalogue[path]
    process = {"process": path, "parent": parent, "command_line": command_line,
               "pid": rng.randrange(400, 65000, 4), "parent_pid": rng.randrange(400, 65000, 4)}
    return [_win(started, "process_launch", **common, **process),
            _win(ended, "process_exit", **common, **process)]
