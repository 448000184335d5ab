"""What several vendors' formats share: identifiers drawn from the seeded generator (never from
uuid4 or os.urandom, which would break determinism), sub-second stamps, month names, JSON encoders."""

from __future__ import annotations

import base64
import json
import random
from datetime import datetime, timedelta

MONTH_ABBREVIATIONS = (None, "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
AWS_ID_CHARACTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


# One encoder for all lines (json.dumps with options builds a new one per call).
_compact_json = json.JSONEncoder(separators=(",", ":"), check_circular=False).encode
_spaced_json = json.JSONEncoder(separators=(", ", ": "), check_circular=False).encode


def _token(rng: random.Random, alphabet: str, length: int) -> str:
    return "".join(rng.choices(alphabet, k=length))


def _uuid(rng: random.Random) -> str:
    """A version-4 UUID drawn from the seeded generator (uuid4() would break determinism)."""
    digits = f"{rng.getrandbits(128):032x}"
    variant = "89ab"[int(digits[16], 16) & 3]
    return f"{digits[:8]}-{digits[8:12]}-4{digits[13:16]}-{variant}{digits[17:20]}-{digits[20:]}"


def _opaque(rng: random.Random, length: int) -> str:
    """An opaque URL-safe identifier, as Okta request ids and session ids look."""
    return base64.urlsafe_b64encode(rng.randbytes(length)).decode()[:length]


def _stable_id(prefix: str, name: str, length: int = 17, alphabet: str = AWS_ID_CHARACTERS) -> str:
    """An identifier that depends only on a name (roles and apps keep theirs across runs)."""
    return prefix + _token(random.Random(f"{prefix}:{name}"), alphabet, length)


def _subsecond(rng: random.Random, at: datetime) -> datetime:
    """Cloud services stamp events to the millisecond or better."""
    return at + timedelta(microseconds=rng.randint(0, 999_999))
