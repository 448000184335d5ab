"""Okta System Log events, one per line."""

from __future__ import annotations

import random

from secfeat.simulate.events import Event
from secfeat.simulate.formats import _compact_json, _opaque, _uuid
from secfeat.simulate.population import User, _geo
from secfeat.simulate.renderers.base import Renderer

# eventType: (displayMessage, requestUri, legacyEventType).
OKTA_EVENT_TYPES = {
    "policy.evaluate_sign_on": ("Evaluation of sign-on policy", "/idp/idx/introspect", None),
    "user.authentication.verify": ("Verify user identity", "/idp/idx/challenge/answer", None),
    "user.authentication.auth_via_mfa": ("Authentication of user via MFA", "/idp/idx/challenge/answer",
                                         "core.user.factor.attempt_success"),
    "user.session.start": ("User login to Okta", "/idp/idx/identify", "core.user_auth.login_success"),
    "user.authentication.sso": ("User single sign on to app", "/app/sso/saml", "app.auth.sso"),
    "user.session.end": ("User logout from Okta", "/login/signout", "core.user_auth.logout_success"),
    "user.account.update_profile": ("Update user profile for Okta", "/api/v1/users",
                                    "core.user.config.profile_update.success"),
    "app.user_membership.add": ("Add user to application membership", "/api/v1/apps",
                                "app.generic.provision.assign_user_to_app"),
}
OKTA_FAILED_LEGACY_TYPES = {
    ("user.session.start", "INVALID_CREDENTIALS"): "core.user_auth.login_failed",
    ("user.session.start", "VERIFICATION_ERROR"): "core.user_auth.login_failed",
    ("user.session.start", "LOCKED_OUT"): "core.user_auth.account_locked",
    ("user.authentication.auth_via_mfa", "VERIFICATION_ERROR"): "core.user.factor.attempt_fail",
}


class OktaRenderer(Renderer):
    """Okta System Log LogEvent objects, one per line, as the /api/v1/logs API returns them."""

    source = "okta"
    file_stem = "system_log"
    suffix = "jsonl"
    bad_record = 'an event whose outcome.result is "MAYBE"'

    def render(self, event: Event, rng: random.Random, defect: bool = False) -> str:
        attrs = event.attrs
        user: User = attrs["user"]
        event_type, result, reason, ip = attrs["type"], attrs["result"], attrs["reason"], attrs["ip"]
        _, country, (city, state, postal_code, lat, lon), (asn, as_org, isp, domain) = _geo(ip)
        place = {"city": city, "state": state, "country": country, "postalCode": postal_code,
                 "geolocation": {"lat": lat, "lon": lon}}
        display_message, request_uri, legacy_type = OKTA_EVENT_TYPES[event_type]
        if result == "FAILURE":
            legacy_type = OKTA_FAILED_LEGACY_TYPES.get((event_type, reason), legacy_type)
        if event_type == "user.authentication.sso":
            app = attrs["target"][0]
            request_uri = f"/app/{app['alternateId'].split()[0].lower()}/{app['id']}/sso/saml"
        credential = {
            "user.session.start": ("OKTA_AUTHENTICATION_PROVIDER", "OKTA_CREDENTIAL_PROVIDER", "PASSWORD"),
            "user.authentication.verify": ("OKTA_AUTHENTICATION_PROVIDER", "OKTA_CREDENTIAL_PROVIDER", "PASSWORD"),
            "user.authentication.auth_via_mfa": ("FACTOR_PROVIDER", "OKTA_CREDENTIAL_PROVIDER", "OTP"),
        }.get(event_type, (None, None, None))
        request_id = _opaque(rng, 27)
        agent = attrs["agent"]
        record = {
            "actor": {"id": user.okta_id or "unknown", "type": "User", "alternateId": user.upn,
                      "displayName": user.display_name or "unknown", "detailEntry": None},
            "client": {"userAgent": {"rawUserAgent": agent[0], "os": agent[1], "browser": agent[2]},
                       "zone": "null", "device": "Computer", "id": None, "ipAddress": ip,
                       "geographicalContext": place},
            "device": None,
            "authenticationContext": {"authenticationProvider": credential[0], "credentialProvider": credential[1],
                                      "credentialType": credential[2], "issuer": None, "interface": None,
                                      "authenticationStep": 0, "externalSessionId": attrs["session"]},
            "displayMessage": display_message,
            "eventType": event_type,
            "outcome": {"result": "MAYBE" if defect else result, "reason": reason},
            "published": event.at.isoformat(timespec="milliseconds") + "Z",
            "securityContext": {"asNumber": asn, "asOrg": as_org, "isp": isp, "domain": domain, "isProxy": False},
            "severity": "WARN" if result in ("FAILURE", "DENY") else "INFO",
            "debugContext": {"debugData": {"requestId": request_id, "requestUri": request_uri,
                                           "url": request_uri + "?"}},
            "legacyEventType": legacy_type,
            "transaction": {"type": "WEB", "id": request_id, "detail": {}},
            "uuid": _uuid(rng),
            "version": "0",
            "request": {"ipChain": [{"ip": ip, "geographicalContext": place, "version": "V4", "source": None}]},
            "target": attrs["target"],
        }
        return _compact_json(record)
