"""The one guard in front of the messaging platforms' webhooks (Telegram, Messenger, Zalo).

A platform's servers call its webhook, but anybody who finds the URL can call it too, and the
platform sends an update again when the answer is late. Each request is checked in this order
before anything in it reaches Rasa:

1. size: a body over the channel's limit gets 413 (a real update is a few KB);
2. origin: the platform proves the request is its own (Telegram: a secret token in a header;
   Meta: an HMAC of the body; Zalo: a hash over the body and its timestamp). Each channel says
   how; secrets are compared in constant time. A request that fails gets 401 or 403;
3. the channel reads the body (400 when it is malformed: the channel's own parser);
4. redelivery: a message the platform sent before is handled only the first time any replica
   sees it (`channels.redelivery`);
5. rate: a customer over the limit (`channels.limits`) is dropped and told once per window.

Steps 1 to 3 refuse the request; steps 4 and 5 still answer 200, because a refused update is
one the platform would send again and again.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sanic import response
from sanic.response import HTTPResponse

from channels.limits import RateLimits, rate_limits
from channels.redelivery import Redeliveries, redeliveries

logger = logging.getLogger(__name__)

ACCEPTED = "accepted"
DUPLICATE = "duplicate"
RATE_LIMITED = "rate_limited"


@dataclass(frozen=True)
class Refusal:
    """A request refused: its HTTP status, the reason the caller reads (`{"error": reason}`)
    and, for the log only, what exactly was wrong."""

    status: int
    reason: str
    detail: str = ""

    def response(self) -> HTTPResponse:
        return response.json({"error": self.reason}, status=self.status)


# The origin check of a channel: the raw body and the request's headers (case-insensitive in
# Sanic) in, a refusal out, or None when the platform's proof holds.
Origin = Callable[[bytes, Any], Refusal | None]


def same_secret(given: str, expected: str) -> bool:
    """Constant-time equality of a secret (a token, a hex digest) with what was received, so the
    time taken tells nothing about how much of it matched. Any text is safe to compare."""
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("utf-8"))


def secret_header(header: str, secret: str | None) -> Origin:
    """The origin check of a platform that sends a shared secret in `header` (Telegram).
    Without a secret every request passes: development settings only (channels.deployment)."""

    def check(_body: bytes, headers: Any) -> Refusal | None:
        if secret is None or same_secret(str(headers.get(header) or ""), secret):
            return None
        return Refusal(403, "forbidden", "missing or wrong secret token")

    return check


@dataclass(frozen=True)
class Admission:
    """What becomes of one customer message of a request that passed: `status` is what the
    webhook answers ("accepted", "duplicate", "rate_limited"); `notify` is set for the first
    message over the limit in its window, when the customer is to be told."""

    status: str
    notify: bool = False

    @property
    def accepted(self) -> bool:
        return self.status == ACCEPTED


class WebhookGuard:
    """The checks of one channel's webhook, in the module's order. `check` is pure (size and
    origin); `admit` counts in the shared store (redeliveries and rates)."""

    def __init__(
        self,
        channel: str,
        *,
        max_body_bytes: int,
        origin: Origin,
        redelivery: Redeliveries | None = None,
        limits: RateLimits | None = None,
    ) -> None:
        self.channel = channel
        self.max_body_bytes = max_body_bytes
        self.origin = origin
        self._redeliveries = redelivery
        self._limits = limits

    def check(self, body: bytes, headers: Any) -> Refusal | None:
        """Steps 1 and 2: the body's size, then the platform's proof of origin."""
        if len(body) > self.max_body_bytes:
            return Refusal(413, "body too large")
        return self.origin(body, headers)

    def refuse(self, refusal: Refusal) -> HTTPResponse:
        """The answer to a refused request (steps 1 to 3), logged without the body."""
        logger.warning(
            "%s: webhook request refused (%d): %s",
            self.channel,
            refusal.status,
            refusal.detail or refusal.reason,
        )
        return refusal.response()

    async def admit(
        self, delivery_id: str | None, sender: str, *, count_rate: bool = True
    ) -> Admission:
        """Steps 4 and 5 for one message: `delivery_id` is the platform's id of what it sent
        (None when it has none), `sender` whose rate it counts against; `count_rate=False` for
        events no customer typed (a Zalo follow), which are only de-duplicated."""
        seen = self._redeliveries or redeliveries()
        if delivery_id and not await seen.first_time(self.channel, delivery_id):
            return Admission(DUPLICATE)
        if count_rate:
            verdict = await (self._limits or rate_limits()).check(self.channel, sender)
            if not verdict.allowed:
                return Admission(RATE_LIMITED, verdict.notify)
        return Admission(ACCEPTED)
