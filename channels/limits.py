"""What every chat channel accepts from a customer, in one place: sizes (the console allows the
same) and rates.

Rates are counted per conversation (a sender: the widget's session, a Telegram chat, ...) and,
where the channel sees the customer's address (the widget, REST), per client address across
conversations, so that a fresh sender id per message does not escape the limit. Messaging
platforms call their webhooks from their own servers: there only the sender counts.
Counts live in `channels.shared_store` (Redis in production settings, shared by the replicas).

A customer over a limit gets, once per window, a polite message in their language; their
further messages in that window are dropped with a log line. REST callers get 429 with
`Retry-After` instead. Webhooks still answer 200: a refused update is one the platform would
send again and again, and Telegram holds back the bot's later updates while it retries.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from channels.deployment import SettingsError
from channels.shared_store import SharedStore, shared_store

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 2000  # one customer message
MAX_SENDER_CHARS = 128  # a conversation id given by a client
# JSON may escape half of a surrogate pair: such text has no UTF-8 form and fails wherever it is
# stored or logged. A whole pair arrives as one code point, so any surrogate left is alone.
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


def has_lone_surrogate(text: str) -> bool:
    """Whether `text` cannot be written as UTF-8 (a customer message or id must be refused)."""
    return _LONE_SURROGATE.search(text) is not None


SENDER_RATE_ENV = "CAREDESK_SENDER_RATE"  # "<messages>/<seconds>" per conversation, or "off"
CLIENT_RATE_ENV = "CAREDESK_CLIENT_RATE"  # "<messages>/<seconds>" per client address, or "off"


@dataclass(frozen=True)
class Rate:
    messages: int
    seconds: int

    @classmethod
    def parse(cls, text: str, variable: str) -> Rate | None:
        """`"20/60"` is 20 messages a minute; `"off"` is no limit."""
        if text.strip().lower() == "off":
            return None
        count, _, seconds = text.partition("/")
        try:
            rate = cls(int(count), int(seconds))
        except ValueError:
            rate = cls(0, 0)
        if rate.messages < 1 or rate.seconds < 1:
            raise SettingsError(f"{variable} must be '<messages>/<seconds>' or 'off', not {text!r}")
        return rate


# A person types one message every few seconds and taps a button now and then.
SENDER_RATE = Rate(20, 60)
# One address may be a shop's office or a mobile carrier's NAT: a few people at once.
CLIENT_RATE = Rate(60, 60)

SLOW_DOWN = {
    "vi": "Bạn đang gửi tin nhắn hơi nhanh nên mình chưa kịp trả lời. "
    "Bạn vui lòng đợi một chút rồi gửi lại nhé.",
    "en": "You're sending messages faster than I can answer. "
    "Please wait a moment, then send your message again.",
}


def slow_down_text(language: Any = None) -> str:
    """The polite notice in the customer's language; both languages when it is not known."""
    if isinstance(language, str) and language in SLOW_DOWN:  # metadata is the client's to send
        return SLOW_DOWN[language]
    return f"{SLOW_DOWN['vi']}\n\n{SLOW_DOWN['en']}"


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0  # seconds until the window that refused this message ends
    notify: bool = False  # the first refusal of its window: tell the customer once
    limit: str = ""  # "sender" or "client", for the logs


ALLOWED = Verdict(True)


class RateLimits:
    def __init__(self, store: SharedStore, sender: Rate | None, client: Rate | None) -> None:
        self.store = store
        self.sender = sender
        self.client = client

    @classmethod
    def from_environment(
        cls, store: SharedStore, env: Mapping[str, str] | None = None
    ) -> RateLimits:
        env = os.environ if env is None else env
        sender, client = env.get(SENDER_RATE_ENV), env.get(CLIENT_RATE_ENV)
        return cls(
            store,
            Rate.parse(sender, SENDER_RATE_ENV) if sender else SENDER_RATE,
            Rate.parse(client, CLIENT_RATE_ENV) if client else CLIENT_RATE,
        )

    async def _count(self, kind: str, key: str, rate: Rate | None) -> Verdict:
        if rate is None:
            return ALLOWED
        count = await self.store.hit(f"rate:{kind}:{key}", rate.seconds)
        if count <= rate.messages:
            return ALLOWED
        return Verdict(False, rate.seconds, count == rate.messages + 1, kind)

    async def check(self, channel: str, sender: str, client: str | None = None) -> Verdict:
        """Count one message of `sender` on `channel` (and of the client address, if known)."""
        verdict = await self._count("sender", f"{channel}:{sender}", self.sender)
        if client:
            by_client = await self._count("client", client, self.client)
            if verdict.allowed:
                verdict = by_client
        if not verdict.allowed:
            logger.warning(
                "%s: a message over the %s rate limit was not passed on%s",
                channel,
                verdict.limit,
                "" if verdict.notify else " (customer already told)",
            )
        return verdict


def client_address(request: Any) -> str:
    """The customer's address: the proxy's forwarded address when Sanic is told to trust it
    (`SANIC_PROXIES_COUNT`, `SANIC_REAL_IP_HEADER` or `SANIC_FORWARDED_SECRET`), else the peer."""
    return str(getattr(request, "remote_addr", "") or getattr(request, "ip", "") or "")


_limits: RateLimits | None = None


def rate_limits() -> RateLimits:
    """This process's limits, from the environment, counting in the shared store."""
    global _limits
    if _limits is None:
        _limits = RateLimits.from_environment(shared_store())
    return _limits
