"""A shop's signed-in customer, vouched for by the shop: a token only the shop's server can make.

The shop's server renders a token for its signed-in customer into the page (`data-customer-token`
on the widget's script tag, or `window.caredeskCustomer = {token: ...}`); the widget sends it with
every message as metadata `customer_token`; the socket.io channel checks it with the secret it
shares with the shop (`CAREDESK_SHOP_SECRET`) and passes on only the verified id, as metadata
`customer_id`. A forged, altered or expired token, or a bare `customer_id` sent by a client,
counts as not signed in. The token itself never reaches the tracker.

Token: `v1.<base64url(customer id)>.<expiry, Unix seconds>.<hex HMAC-SHA256 of the first three
parts>`. The reference shop's customer id is the account's email (the order system knows its
customers by email), so the assistant can look up that customer's orders without asking.
Standard library only: the back office's demo shop signs with the same code.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import time
from typing import Any

logger = logging.getLogger(__name__)

SECRET_ENV = "CAREDESK_SHOP_SECRET"  # noqa: S105 - the variable's name, not a secret
TOKEN_TTL_SECONDS = 12 * 3600  # a page left open longer gets signed in again by a reload
VERSION = "v1"
MAX_TOKEN_CHARS = 600
MAX_CUSTOMER_ID_CHARS = 254
METADATA_TOKEN = "customer_token"  # noqa: S105 - a metadata key: what the widget sends
METADATA_CUSTOMER = "customer_id"  # what the channel passes on, verified


def _b64encode(value: str) -> str:
    return base64.urlsafe_b64encode(value.encode()).decode().rstrip("=")


def _b64decode(value: str) -> str | None:
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


class ShopIdentity:
    """Signs and checks customer tokens with the secret the shop and the assistant share."""

    def __init__(self, secret: str | None) -> None:
        self._key = secret.encode() if secret else None

    @property
    def enabled(self) -> bool:
        return self._key is not None

    def _signature(self, payload: str) -> str:
        assert self._key is not None
        return hmac.new(self._key, payload.encode(), hashlib.sha256).hexdigest()

    def sign(
        self, customer_id: str, *, now: float | None = None, ttl: int = TOKEN_TTL_SECONDS
    ) -> str:
        if self._key is None:
            raise RuntimeError(f"{SECRET_ENV} is not set: nothing can be signed")
        if not customer_id or len(customer_id) > MAX_CUSTOMER_ID_CHARS:
            raise ValueError("a customer id is 1 to 254 characters")
        expires = int((time.time() if now is None else now) + ttl)
        payload = f"{VERSION}.{_b64encode(customer_id)}.{expires}"
        return f"{payload}.{self._signature(payload)}"

    def verify(self, token: Any, *, now: float | None = None) -> str | None:
        """The customer id the shop signed, or None (no secret, forged, altered, expired)."""
        if self._key is None or not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS:
            return None
        parts = token.split(".")
        if len(parts) != 4 or parts[0] != VERSION or not parts[2].isdigit():
            return None
        payload = ".".join(parts[:3])
        if not hmac.compare_digest(self._signature(payload), parts[3]):
            return None
        if int(parts[2]) < (time.time() if now is None else now):
            return None
        customer = _b64decode(parts[1])
        if not customer or len(customer) > MAX_CUSTOMER_ID_CHARS or not customer.isprintable():
            return None
        return customer

    def verified_metadata(self, metadata: dict[str, Any]) -> dict[str, Any]:
        """The message's metadata with the token replaced by the id it proves (or by nothing)."""
        cleaned = dict(metadata)
        token = cleaned.pop(METADATA_TOKEN, None)
        cleaned.pop(METADATA_CUSTOMER, None)  # only a verified id may say who the customer is
        customer = self.verify(token) if token else None
        if token and customer is None:
            logger.warning("a message carried a shop customer token that does not verify")
        if customer is not None:
            cleaned[METADATA_CUSTOMER] = customer
        return cleaned
