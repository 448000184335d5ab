"""Where a Sigma rule's log source and fields are in the warehouse.

A rule's ``logsource`` names a product and a service (or a category); each one
this module knows is a staging model of one contract source, whose rows carry
the record as the vendor writes it (``_vendor_record``, JSON). A rule names the
vendor's fields; each is resolved here, case-insensitively (SigmaHQ writes
``ResultType`` and ``resultType``), to a JSON path of that record:

- a field of the vendor's schema, as the vendor spells it;
- a field under an object the vendor leaves open (CloudTrail's
  ``requestParameters``, Okta's ``debugContext.debugData``, Windows EventData),
  taken as the rule writes it;
- another shipper's or table's name for one of them (Winlogbeat's
  ``winlog.event_data.TargetUserName``, Log Analytics' ``ClientApp``);
- a constant every record of the source has (Google's ``protoPayload.serviceName``).

Anything else is a field the warehouse lacks: the rule is skipped with that
reason, never compiled into a query that silently never matches.

Add a log source: one ``LogSource`` below (and the staging model's
``vendor_record``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


class FieldNotInSource(Exception):
    """A rule's field that no record of its log source has."""


@dataclass(frozen=True)
class FieldPath:
    """A field of `_vendor_record`: JSON path parts, `array_at` the index of the
    part that is an array of objects (Okta's target[]), or a constant."""

    parts: tuple[str, ...] = ()
    array_at: int | None = None
    constant: str | None = None


@dataclass(frozen=True)
class LogSource:
    name: str  # how reports and model names call it
    source: str  # the OCSF contract's source
    staging_model: str
    # Sigma logsource keys that select it: (product, service) or (product, category)
    selectors: tuple[tuple[str, str], ...]
    fields: tuple[str, ...] = ()  # the vendor's field paths, as the vendor spells them ("target[].id": an array)
    open_objects: tuple[str, ...] = ()  # objects whose members are taken as written
    any_top_level_field: bool = False  # Windows EventData: every Data Name is a field
    aliases: dict[str, str] = field(default_factory=dict)  # other names -> a field above
    alias_prefixes: dict[str, str] = field(default_factory=dict)  # "winlog.event_data." -> ""
    constants: dict[str, str] = field(default_factory=dict)
    not_recorded: dict[str, str] = field(default_factory=dict)  # field -> why the warehouse lacks it
    # a condition every record of this log source meets, as Sigma detection items (4688 for process creation)
    record_filter: dict[str, str] = field(default_factory=dict)
    keyword_field: str | None = None  # what keyword rules search: a field, or the whole record's JSON text

    def resolve(self, name: str) -> FieldPath:
        lowered = name.lower()
        if lowered in self.not_recorded_lower:
            raise FieldNotInSource(f"field {name}: {self.not_recorded_lower[lowered]}")
        for prefix, replacement in self.alias_prefixes.items():
            if lowered.startswith(prefix.lower()):
                name = replacement + name[len(prefix):]
                lowered = name.lower()
                break
        lowered = self.aliases_lower.get(lowered, lowered)
        if lowered in self.constants_lower:
            return FieldPath(constant=self.constants_lower[lowered])
        if lowered in self.fields_lower:
            return _path(self.fields_lower[lowered])
        for prefix in self.open_objects:
            if lowered.startswith(prefix.lower() + "."):
                return _path(self.fields_lower.get(prefix.lower(), prefix) + name[len(prefix):])
        if self.any_top_level_field and re.fullmatch(r"[A-Za-z0-9_\-]+", name):
            return FieldPath(parts=(name,))
        raise FieldNotInSource(f"field {name}: not a field of {self.name} records")

    @property
    def fields_lower(self) -> dict[str, str]:
        known = {path.replace("[]", "").lower(): path for path in self.fields}
        known.update({prefix.lower(): prefix for prefix in self.open_objects})
        return known

    @property
    def aliases_lower(self) -> dict[str, str]:
        return {alias.lower(): target.lower() for alias, target in self.aliases.items()}

    @property
    def constants_lower(self) -> dict[str, str]:
        return {name.lower(): value for name, value in self.constants.items()}

    @property
    def not_recorded_lower(self) -> dict[str, str]:
        return {name.lower(): why for name, why in self.not_recorded.items()}


def _path(spelled: str) -> FieldPath:
    parts = tuple(spelled.split("."))
    array_at = next((i for i, part in enumerate(parts) if part.endswith("[]")), None)
    return FieldPath(parts=tuple(part.removesuffix("[]") for part in parts), array_at=array_at)


_WINDOWS_SYSTEM = ("EventID", "Channel", "Computer", "EventRecordID", "Provider_Name")
_WINDOWS_ALIASES = {
    "winlog.event_id": "EventID", "event.code": "EventID", "event_id": "EventID",
    "winlog.channel": "Channel", "log_name": "Channel",
    "winlog.computer_name": "Computer", "computer_name": "Computer", "host.name": "Computer",
    "winlog.record_id": "EventRecordID", "record_number": "EventRecordID",
    "winlog.provider_name": "Provider_Name", "source_name": "Provider_Name",
}
_WINDOWS_ALIAS_PREFIXES = {"winlog.event_data.": "", "event_data.": "", "Event.EventData.": ""}
_WINDOWS_NOT_RECORDED = {
    name: "a System field the Windows staging does not keep (EventID, Channel, Computer, EventRecordID "
          "and Provider_Name are kept)"
    for name in ("Keywords", "Level", "Task", "Opcode", "Version", "Correlation", "Security.UserID")
}

LOG_SOURCES: tuple[LogSource, ...] = (
    LogSource(
        name="okta", source="okta", staging_model="stg_okta__system_log",
        selectors=(("okta", "okta"),),
        # Okta's LogEvent (System Log API)
        fields=(
            "uuid", "published", "eventType", "version", "severity", "legacyEventType", "displayMessage",
            "actor.id", "actor.type", "actor.alternateId", "actor.displayName",
            "client.userAgent.rawUserAgent", "client.userAgent.os", "client.userAgent.browser", "client.zone",
            "client.device", "client.id", "client.ipAddress", "client.geographicalContext.city",
            "client.geographicalContext.state", "client.geographicalContext.country",
            "client.geographicalContext.postalCode", "outcome.result", "outcome.reason",
            "target[].id", "target[].type", "target[].alternateId", "target[].displayName",
            "transaction.type", "transaction.id",
            "authenticationContext.authenticationProvider", "authenticationContext.credentialProvider",
            "authenticationContext.credentialType", "authenticationContext.externalSessionId",
            "authenticationContext.interface", "authenticationContext.authenticationStep",
            "authenticationContext.rootSessionId", "authenticationContext.issuer.id",
            "authenticationContext.issuer.type",
            "securityContext.asNumber", "securityContext.asOrg", "securityContext.isp", "securityContext.domain",
            "securityContext.isProxy",
        ),
        open_objects=("debugContext.debugData", "actor.detailEntry", "transaction.detail", "device"),
    ),
    LogSource(
        name="entra_signin", source="entra", staging_model="stg_entra__signin_logs",
        selectors=(("azure", "signinlogs"),),
        # Microsoft Graph's signIn, and the export's result fields beside it
        fields=(
            "id", "createdDateTime", "userDisplayName", "userPrincipalName", "userId", "userType", "appId",
            "appDisplayName", "ipAddress", "clientAppUsed", "correlationId", "conditionalAccessStatus",
            "isInteractive", "riskDetail", "riskLevelAggregated", "riskLevelDuringSignIn", "riskState",
            "riskEventTypes", "riskEventTypes_v2", "resourceDisplayName", "resourceId", "authenticationRequirement",
            "authenticationProtocol", "userAgent", "tokenIssuerType", "tokenIssuerName", "crossTenantAccessType",
            "homeTenantId", "resourceTenantId", "servicePrincipalId", "servicePrincipalName",
            "networkLocationDetails", "appliedConditionalAccessPolicies", "authenticationDetails",
            "resultType", "resultDescription", "resultSignature", "operationName", "category",
        ),
        open_objects=("status", "deviceDetail", "location", "mfaDetail", "authenticationProcessingDetails"),
        # Log Analytics' SigninLogs names the columns its own way
        aliases={
            "ClientApp": "clientAppUsed", "Username": "userPrincipalName", "LocationDetails": "location",
            "IPAddress": "ipAddress", "Identity": "userDisplayName", "AppId": "appId",
        },
        not_recorded={
            "properties.message": "not a field of Entra sign-in records (the export has no properties.message)",
            "ActivityDetails": "not a field of Entra sign-in records (Log Analytics' audit table)",
        },
    ),
    LogSource(
        name="cloudtrail", source="cloudtrail", staging_model="stg_cloudtrail__events",
        selectors=(("aws", "cloudtrail"),),
        # the CloudTrail record (an EventBridge envelope's detail)
        fields=(
            "eventVersion", "eventTime", "eventSource", "eventName", "awsRegion", "sourceIPAddress", "userAgent",
            "errorCode", "errorMessage", "requestID", "eventID", "readOnly", "eventType", "apiVersion",
            "managementEvent", "recipientAccountId", "sharedEventID", "vpcEndpointId", "eventCategory",
            "sessionCredentialFromConsole",
            "userIdentity.type", "userIdentity.principalId", "userIdentity.arn", "userIdentity.accountId",
            "userIdentity.accessKeyId", "userIdentity.userName", "userIdentity.invokedBy",
            "userIdentity.identityProvider",
        ),
        open_objects=(
            "requestParameters", "responseElements", "additionalEventData", "serviceEventDetails",
            "userIdentity.sessionContext", "tlsDetails", "resources",
        ),
    ),
    LogSource(
        name="google_workspace_login", source="google_workspace",
        staging_model="stg_google_workspace__login_activities",
        selectors=(("gcp", "google_workspace.login"), ("google_workspace", "login")),
        # the Reports API activity, `events` the row's one event
        fields=(
            "id.time", "id.uniqueQualifier", "id.applicationName", "id.customerId", "actor.email",
            "actor.profileId", "actor.callerType", "ipAddress", "ownerDomain", "kind",
            "events.type", "events.name",
        ),
        open_objects=("networkInfo",),
        # the same audit log read through Cloud Logging (protoPayload)
        aliases={
            "protoPayload.metadata.event.eventName": "events.name",
            "protoPayload.metadata.event.eventType": "events.type",
            "protoPayload.authenticationInfo.principalEmail": "actor.email",
            "protoPayload.requestMetadata.callerIp": "ipAddress",
        },
        constants={"protoPayload.serviceName": "login.googleapis.com"},
    ),
    LogSource(
        name="windows_security", source="windows", staging_model="stg_windows__security_events",
        selectors=(("windows", "security"),),
        fields=_WINDOWS_SYSTEM, any_top_level_field=True,
        aliases=_WINDOWS_ALIASES, alias_prefixes=_WINDOWS_ALIAS_PREFIXES, not_recorded=_WINDOWS_NOT_RECORDED,
    ),
    LogSource(
        # Sysmon's process creation fields read from Security 4688 (with command line auditing)
        name="windows_process_creation", source="windows", staging_model="stg_windows__security_events",
        selectors=(("windows", "process_creation"),),
        fields=(*_WINDOWS_SYSTEM, "CommandLine", "NewProcessName", "ParentProcessName", "SubjectUserName",
                "SubjectDomainName", "SubjectLogonId", "TargetUserName"),
        aliases={**_WINDOWS_ALIASES, "Image": "NewProcessName", "ParentImage": "ParentProcessName",
                 "LogonId": "SubjectLogonId"},
        alias_prefixes=_WINDOWS_ALIAS_PREFIXES,
        not_recorded={
            **_WINDOWS_NOT_RECORDED,
            **{name: "a Sysmon field that Security event 4688 does not record"
               for name in ("OriginalFileName", "Description", "Product", "Company", "Hashes", "FileVersion",
                            "CurrentDirectory", "ParentCommandLine", "ParentUser", "GrandParentImage",
                            "Imphash", "md5", "sha1", "sha256", "TerminalSessionId", "ProcessGuid",
                            "ParentProcessGuid")},
            "User": "4688 records the user as SubjectDomainName and SubjectUserName, not Sysmon's DOMAIN\\name",
            "IntegrityLevel": "4688 records MandatoryLabel as a SID, not Sysmon's level names",
            "ProcessId": "4688 records process ids in hexadecimal, Sysmon in decimal",
            "ParentProcessId": "4688 records process ids in hexadecimal, Sysmon in decimal",
        },
        record_filter={"EventID": "4688"},
    ),
    LogSource(
        name="linux_sshd", source="sshd", staging_model="stg_sshd__auth_log",
        selectors=(("linux", "sshd"), ("linux", "auth")),
        fields=("message", "host", "program", "pid"),
        keyword_field="message",
    ),
)


class LogSourceNotInWarehouse(Exception):
    """A rule's logsource that no staging model holds."""


def log_source_of(logsource) -> LogSource:
    """The LogSource a pySigma SigmaLogSource selects."""
    product = (logsource.product or "").lower()
    for key in ((logsource.service or "").lower(), (logsource.category or "").lower()):
        if not key:
            continue
        for log_source in LOG_SOURCES:
            if (product, key) in log_source.selectors:
                return log_source
    spelled = ", ".join(f"{name}: {value}" for name, value in (
        ("product", logsource.product), ("category", logsource.category), ("service", logsource.service)) if value)
    raise LogSourceNotInWarehouse(f"log source {{{spelled}}} is not one the warehouse stages")
