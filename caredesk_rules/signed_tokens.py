"""Signed, expiring tokens that name one value: who a shop's signed-in customer is
(channels/shop_identity.py), which conversation may upload photos (caredesk_rules/attachments.py).

`<version>.<base64url(value)>.<expiry, Unix seconds>.<hex HMAC-SHA256 of the first three parts>`.
Standard library only: the Rasa server, the action server and the back office check them alike.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

MAX_TOKEN_CHARS = 600


def _b64encode(value: str) -> str:
    return base64.urlsafe_b64encode(value.encode()).decode().rstrip("=")


def _b64decode(value: str) -> str | None:
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


class SignedTokens:
    """Signs values into tokens of one version with one key, and checks them."""

    def __init__(self, key: bytes, version: str) -> None:
        self._key = key
        self._version = version

    def __repr__(self) -> str:  # never show the key
        return f"SignedTokens(version={self._version!r})"

    def _signature(self, payload: str) -> str:
        return hmac.new(self._key, payload.encode(), hashlib.sha256).hexdigest()

    def sign(self, value: str, expires: int) -> str:
        payload = f"{self._version}.{_b64encode(value)}.{expires}"
        return f"{payload}.{self._signature(payload)}"

    def verify(self, token: object, now: float) -> str | None:
        """The value of a genuine token of this version that has not expired, else None."""
        if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS:
            return None
        parts = token.split(".")
        if len(parts) != 4 or parts[0] != self._version or not parts[2].isdigit():
            return None
        payload = ".".join(parts[:3])
        if not hmac.compare_digest(parts[3], self._signature(payload)):
            return None
        if int(parts[2]) < now:
            return None
        return _b64decode(parts[1]) or None
