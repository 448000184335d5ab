"""Google Workspace login audit: one Admin SDK Reports API activity (applicationName "login") per line,
as activities.list returns them in "items"."""

from __future__ import annotations

import random
from functools import lru_cache

from secfeat.simulate.events import Event
from secfeat.simulate.formats import _opaque, _spaced_json, _stable_id
from secfeat.simulate.population import DNS_DOMAIN, User, _geo
from secfeat.simulate.renderers.base import Renderer

GOOGLE_CUSTOMER_ID = "C03az79cb"
DIGITS = "0123456789"


@lru_cache(maxsize=None)
def _profile_id(name: str) -> str:
    """Google's 21-digit account id: it depends only on the name, like the other stable ids (a draw
    in build_population would have changed every other source)."""
    return _stable_id("1", name, 20, DIGITS)


class GoogleWorkspaceRenderer(Renderer):
    """Activities with one event each; id.time in RFC 3339 UTC to the millisecond."""

    source = "google_workspace"
    file_stem = "login_activities"
    suffix = "jsonl"

    def render(self, event: Event, rng: random.Random, defect: bool = False) -> str:
        attrs = event.attrs
        user: User = attrs["user"]
        ip = attrs["ip"]
        country, _, _, (asn, *_) = _geo(ip)
        record = {
            "kind": "admin#reports#activity",
            "id": {
                "time": event.at.isoformat(timespec="milliseconds") + "Z",
                "uniqueQualifier": str(rng.getrandbits(64) - 2**63),  # a signed 64-bit integer, as a string
                "applicationName": "login",
                "customerId": GOOGLE_CUSTOMER_ID,
            },
            "etag": f'"{_opaque(rng, 27)}/{_opaque(rng, 27)}"',
            "actor": {"callerType": "USER", "email": user.upn, "profileId": _profile_id(user.name)},
            "ownerDomain": DNS_DOMAIN,
            "ipAddress": ip,
            "networkInfo": {"ipAsn": [asn], "regionCode": country},
            "events": [{"type": attrs["type"], "name": event.kind, "parameters": attrs["parameters"]}],
        }
        return _spaced_json(record)
