"""Windows Security events as NXLog JSON lines."""

from __future__ import annotations

import random
import zlib
from collections import defaultdict
from datetime import timedelta

from secfeat.simulate.activity.windows import LOCKED_OUT, PASSWORD_EXPIRED, WINDOWS_SERVERS
from secfeat.simulate.events import Event
from secfeat.simulate.formats import _compact_json, _uuid
from secfeat.simulate.population import DNS_DOMAIN, DOMAIN, DOMAIN_SID, KERBEROS_REALM, User
from secfeat.simulate.renderers.base import Renderer

# kind: (EventID, Category, Task, Version, Message)
WINDOWS_EVENTS = {
    "logon_success": (4624, "Logon", 12544, 2, "An account was successfully logged on."),
    "logon_failure": (4625, "Logon", 12544, 0, "An account failed to log on."),
    "logoff": (4634, "Logoff", 12545, 0, "An account was logged off."),
    "user_logoff": (4647, "Logoff", 12545, 0, "User initiated logoff:"),
    "special_privileges": (4672, "Special Logon", 12548, 0, "Special privileges assigned to new logon."),
    "process_launch": (4688, "Process Creation", 13312, 2, "A new process has been created."),
    "process_exit": (4689, "Process Termination", 13313, 0, "A process has exited."),
    "ntlm_validation": (4776, "Credential Validation", 14336, 0,
                        "The computer attempted to validate the credentials for an account."),
    "kerberos_tgt": (4768, "Kerberos Authentication Service", 14339, 0,
                     "A Kerberos authentication ticket (TGT) was requested."),
    "kerberos_service_ticket": (4769, "Kerberos Service Ticket Operations", 14337, 0,
                                "A Kerberos service ticket was requested."),
}
ADMIN_PRIVILEGES = "SeSecurityPrivilege\r\n\t\t\tSeBackupPrivilege\r\n\t\t\tSeDebugPrivilege"
# 4625's FailureReason: %%2313 "Unknown user name or bad password" unless another applies.
FAILURE_REASONS = {LOCKED_OUT: "%%2307", PASSWORD_EXPIRED: "%%2309"}


def _computer_sid(account: str) -> str:
    """The SID of a computer account ("FS01$", "WS-0042$"): servers first, workstations after;
    a server only an org shape has ("TS-01$") between them, by a hash of its name."""
    name = account.rstrip("$")
    if name in WINDOWS_SERVERS:
        rid = 1000 + WINDOWS_SERVERS.index(name)
    elif name.startswith("WS-"):
        rid = 3000 + int(name.rsplit("-", 1)[-1])
    else:
        rid = 2000 + zlib.crc32(name.encode()) % 1000
    return f"{DOMAIN_SID}-{rid}"


class WindowsRenderer(Renderer):
    """NXLog JSON lines (im_msvistalog), EventTime in the collector's zone (UTC here)."""

    source = "windows"
    file_stem = "security"
    suffix = "jsonl"

    def __init__(self) -> None:
        self.record_numbers: dict[str, int] = defaultdict(lambda: 100_000)

    def render(self, event: Event, rng: random.Random, defect: bool = False) -> str:
        attrs = event.attrs
        user: User = attrs["user"]
        host = f"{attrs['host']}.{DNS_DOMAIN}"
        self.record_numbers[host] += 1
        event_id, category, task, version, message = WINDOWS_EVENTS[event.kind]
        fields = self._event_data(event.kind, attrs, user, rng)
        failed = fields.pop("_failed", False)
        record = {
            "EventTime": event.at.isoformat(sep=" ", timespec="seconds"),
            "EventReceivedTime": (event.at + timedelta(seconds=1)).isoformat(sep=" ", timespec="seconds"),
            "SourceModuleName": "eventlog",
            "SourceModuleType": "im_msvistalog",
            "Hostname": host,
            "SourceName": "Microsoft-Windows-Security-Auditing",
            "ProviderGuid": "{54849625-5478-4994-A5BA-3E3B0328C30D}",
            "Channel": "Security",
            "RecordNumber": self.record_numbers[host],
            "ExecutionProcessID": 700,
            "ThreadID": rng.randint(100, 9999),
            "OpcodeValue": 0,
            "Opcode": "Info",
            "EventID": event_id,
            "Category": category,
            "Task": task,
            "EventType": "AUDIT_FAILURE" if failed else "AUDIT_SUCCESS",
            "Severity": "ERROR" if failed else "INFO",
            "SeverityValue": 4 if failed else 2,
            "Version": version,
            **fields,
            "Message": message,
        }
        return _compact_json(record)

    @staticmethod
    def _event_data(kind: str, attrs: dict, user: User, rng: random.Random) -> dict:
        subject = {"SubjectUserSid": user.sid, "SubjectUserName": user.name, "SubjectDomainName": DOMAIN,
                   "SubjectLogonId": attrs.get("logon_id", "0x0")}
        if kind in ("logon_success", "logon_failure"):
            ip = attrs["ip"]
            logon_type = str(attrs["logon_type"])
            fields = {
                "TargetUserSid": user.sid if kind == "logon_success" else "S-1-0-0",
                "TargetUserName": user.name,
                "TargetDomainName": DOMAIN,
                "LogonType": logon_type,
                "IpAddress": ip or "-",
                "IpPort": str(rng.randint(49152, 65535)) if ip not in ("", "127.0.0.1") else "0",
                "WorkstationName": user.workstation or "-",
            }
            if kind == "logon_success":
                package = attrs.get("package") or ("Kerberos" if logon_type == "3" else "Negotiate")
                fields.update(TargetLogonId=attrs["logon_id"],
                              LogonProcessName="User32" if logon_type == "2" else
                              "NtLmSsp " if package == "NTLM" else "Kerberos",
                              AuthenticationPackageName=package,
                              ElevatedToken="%%1842" if user.is_admin else "%%1843")
            else:
                status, sub_status = attrs["codes"]
                fields.update(Status=status, SubStatus=sub_status,
                              FailureReason=FAILURE_REASONS.get(attrs["codes"], "%%2313"),
                              LogonProcessName="NtLmSsp ", AuthenticationPackageName="NTLM", _failed=True)
            return fields
        if kind in ("logoff", "user_logoff"):
            fields = {"TargetUserSid": user.sid, "TargetUserName": user.name, "TargetDomainName": DOMAIN,
                      "TargetLogonId": attrs["logon_id"]}
            if kind == "logoff":
                fields["LogonType"] = str(attrs["logon_type"])
            return fields
        if kind == "special_privileges":
            return {**subject, "PrivilegeList": ADMIN_PRIVILEGES}
        if kind == "process_launch":
            return {**subject, "NewProcessId": hex(attrs["pid"]), "NewProcessName": attrs["process"],
                    "TokenElevationType": "%%1938", "ProcessId": hex(attrs["parent_pid"]),
                    "CommandLine": attrs["command_line"], "TargetUserSid": "S-1-0-0", "TargetUserName": "-",
                    "TargetDomainName": "-", "TargetLogonId": "0x0", "ParentProcessName": attrs["parent"],
                    "MandatoryLabel": "S-1-16-8192"}
        if kind == "process_exit":
            return {**subject, "Status": "0x0", "ProcessId": hex(attrs["pid"]), "ProcessName": attrs["process"]}
        if kind == "ntlm_validation":
            status = attrs["status"]
            return {"PackageName": "MICROSOFT_AUTHENTICATION_PACKAGE_V1_0", "TargetUserName": user.name,
                    "Workstation": attrs["workstation"], "Status": status, "_failed": status != "0x0"}
        if kind == "kerberos_tgt":
            status = attrs["status"]
            return {"TargetUserName": user.name, "TargetDomainName": DOMAIN,
                    "TargetSid": user.sid if status != "0x6" else "S-1-0-0", "ServiceName": "krbtgt",
                    "ServiceSid": f"{DOMAIN_SID}-502", "TicketOptions": "0x40810010", "Status": status,
                    "TicketEncryptionType": "0x12" if status == "0x0" else "0xffffffff",
                    "PreAuthType": "2" if status == "0x0" else "-", "IpAddress": f"::ffff:{attrs['ip']}",
                    "IpPort": str(rng.randint(49152, 65535)), "CertIssuerName": "", "CertSerialNumber": "",
                    "CertThumbprint": "", "_failed": status != "0x0"}
        if kind == "kerberos_service_ticket":
            return {"TargetUserName": f"{user.name}@{KERBEROS_REALM}", "TargetDomainName": KERBEROS_REALM,
                    "ServiceName": attrs["service"], "ServiceSid": _computer_sid(attrs["service"]),
                    "TicketOptions": "0x40810000", "TicketEncryptionType": "0x12",
                    "IpAddress": f"::ffff:{attrs['ip']}", "IpPort": str(rng.randint(49152, 65535)), "Status": "0x0",
                    "LogonGuid": "{" + _uuid(rng) + "}", "TransmittedServices": "-"}
        raise ValueError(f"no Windows rendering for {kind}")
