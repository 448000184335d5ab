"""Entra ID sign-ins as an Azure Monitor diagnostic setting exports them."""

from __future__ import annotations

import base64
import random

from secfeat.simulate.activity.entra import ENTRA_MFA_INTERRUPTS, ENTRA_RESULTS
from secfeat.simulate.events import Event
from secfeat.simulate.formats import _compact_json, _spaced_json, _uuid
from secfeat.simulate.population import User, _geo
from secfeat.simulate.renderers.base import Renderer

ENTRA_TENANT = "7c2a4e19-3b5d-4f8e-9a61-0d2c8b4f5e73"
ENTRA_RESOURCE = f"/tenants/{ENTRA_TENANT}/providers/Microsoft.aadiam"


class EntraRenderer(Renderer):
    """Entra ID sign-in records as an Azure Monitor diagnostic setting exports them."""

    source = "entra"
    file_stem = "signin"
    suffix = "jsonl"
    bad_record = "a sign-in whose time and createdDateTime are not valid times (hour 25)"

    def render(self, event: Event, rng: random.Random, defect: bool = False) -> str:
        attrs = event.attrs
        user: User = attrs["user"]
        code, ip, interactive, mfa = attrs["code"], attrs["ip"], attrs["interactive"], attrs["mfa"]
        country, _, (city, state, _, lat, lon), (asn, *_) = _geo(ip)
        stamp = f"{event.at.isoformat(timespec='microseconds')}{rng.randint(0, 9)}"  # Azure writes 7 digits
        time_text, created = f"{stamp}Z", f"{stamp}+00:00"
        if defect:
            time_text = created = f"{event.at:%Y-%m-%d}T25:{event.at:%M:%S}.0000000Z"
        app_id, app_name, resource_name, resource_id = attrs["app"]
        agent = attrs["agent"]
        request_id = _uuid(rng)
        status: dict = {"errorCode": code}
        if code:
            status["failureReason"], details = ENTRA_RESULTS[code]
            if details:
                status["additionalDetails"] = details
        multifactor = mfa or code in ENTRA_MFA_INTERRUPTS
        properties = {
            "id": request_id,
            "createdDateTime": created,
            "userDisplayName": user.display_name,
            "userPrincipalName": user.upn,
            "userId": user.entra_id,
            "appId": app_id,
            "appDisplayName": app_name,
            "ipAddress": ip,
            "status": status,
            "clientAppUsed": "Browser" if interactive else "Mobile Apps and Desktop clients",
            "userAgent": agent[0],
            "deviceDetail": {"deviceId": "", "operatingSystem": agent[3], "browser": agent[4]},
            "location": {"city": city, "state": state, "countryOrRegion": country,
                         "geoCoordinates": {"latitude": lat, "longitude": lon}},
            "mfaDetail": {"authMethod": "Mobile app notification", "authDetail": None} if mfa and not code else {},
            "correlationId": attrs["correlation"],
            "conditionalAccessStatus": "success" if multifactor and not code else "notApplied",
            "appliedConditionalAccessPolicies": [],
            "originalRequestId": request_id,
            "isInteractive": interactive,
            "tokenIssuerName": "",
            "tokenIssuerType": "AzureAD",
            "processingTimeInMilliseconds": rng.randint(40, 900),
            "riskDetail": "none",
            "riskLevelAggregated": "none",
            "riskLevelDuringSignIn": "none",
            "riskState": "none",
            "riskEventTypes": [],
            "riskEventTypes_v2": [],
            "resourceDisplayName": resource_name,
            "resourceId": resource_id,
            "resourceTenantId": ENTRA_TENANT,
            "homeTenantId": ENTRA_TENANT,
            "authenticationDetails": [{
                "authenticationStepDateTime": created,
                "authenticationMethod": "Password" if interactive else "Previously satisfied",
                "succeeded": code == 0,
                "authenticationStepResultDetail": "Correct password" if code == 0 else status["failureReason"],
                "authenticationStepRequirement": "Primary authentication",
                "StatusSequence": 0,
                "RequestSequence": 0,
            }],
            "authenticationRequirementPolicies": [],
            "authenticationRequirement": "multiFactorAuthentication" if multifactor else "singleFactorAuthentication",
            "servicePrincipalId": "",
            "userType": "Member",
            "flaggedForReview": False,
            "isTenantRestricted": False,
            "autonomousSystemNumber": asn,
            "crossTenantAccessType": "none",
            "uniqueTokenIdentifier": base64.urlsafe_b64encode(request_id.encode()[:24]).decode().rstrip("="),
            "incomingTokenType": "none",
            "authenticationProtocol": "none",
        }
        export = {
            "time": time_text,
            "resourceId": ENTRA_RESOURCE,
            "operationName": "Sign-in activity",
            "operationVersion": "1.0",
            "category": "SignInLogs" if interactive else "NonInteractiveUserSignInLogs",
            "tenantId": ENTRA_TENANT,
            "resultType": str(code),
            "resultSignature": "None",
            **({"resultDescription": status["failureReason"]} if code else {}),
            "durationMs": 0,
            "callerIpAddress": ip,
            "correlationId": attrs["correlation"],
            "identity": user.display_name,
            "Level": 4,
            "location": country,
        }
        # the export's own spacing: '{ "time": "...", ...' outside, compact inside properties
        return "{ " + _spaced_json(export)[1:-1] + ', "properties": ' + _compact_json(properties) + "}"
