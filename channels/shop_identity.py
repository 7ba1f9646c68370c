"""A shop's signed-in customer, vouched for by the shop: a token only the shop's server can make.

The shop's server renders a token for its signed-in customer into the page (`data-customer-token`
on the widget's script tag, or `window.caredeskCustomer = {token: ...}`); the widget sends it with
every message as metadata `customer_token`; the socket.io channel checks it with the secret it
shares with the shop (`CAREDESK_SHOP_SECRET`) and passes on only the verified id, as metadata
`customer_id`. A forged, altered or expired token, or a bare `customer_id` sent by a client,
counts as not signed in. The token itself never reaches the tracker.

Token: `v1.<base64url(customer id)>.<expiry, Unix seconds>.<hex HMAC-SHA256 of the first three
parts>` (caredesk_rules.signed_tokens). The reference shop's customer id is the account's email
(the order system knows its customers by email), so the assistant can look up that customer's
orders without asking.
Standard library only: the back office's demo shop signs with the same code.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from caredesk_rules.signed_tokens import SignedTokens

logger = logging.getLogger(__name__)

SECRET_ENV = "CAREDESK_SHOP_SECRET"  # noqa: S105 - the variable's name, not a secret
TOKEN_TTL_SECONDS = 12 * 3600  # a page left open longer gets signed in again by a reload
VERSION = "v1"
MAX_CUSTOMER_ID_CHARS = 254
METADATA_TOKEN = "customer_token"  # noqa: S105 - a metadata key: what the widget sends
METADATA_CUSTOMER = "customer_id"  # what the channel passes on, verified


class ShopIdentity:
    """Signs and checks customer tokens with the secret the shop and the assistant share."""

    def __init__(self, secret: str | None) -> None:
        self._tokens = SignedTokens(secret.encode(), VERSION) if secret else None

    @property
    def enabled(self) -> bool:
        return self._tokens is not None

    def sign(
        self, customer_id: str, *, now: float | None = None, ttl: int = TOKEN_TTL_SECONDS
    ) -> str:
        if self._tokens is None:
            raise RuntimeError(f"{SECRET_ENV} is not set: nothing can be signed")
        if not customer_id or len(customer_id) > MAX_CUSTOMER_ID_CHARS:
            raise ValueError("a customer id is 1 to 254 characters")
        return self._tokens.sign(customer_id, int((time.time() if now is None else now) + ttl))

    def verify(self, token: Any, *, now: float | None = None) -> str | None:
        """The customer id the shop signed, or None (no secret, forged, altered, expired)."""
        if self._tokens is None:
            return None
        customer = self._tokens.verify(token, time.time() if now is None else now)
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
