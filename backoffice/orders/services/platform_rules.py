"""What each messaging platform allows a business to send on its own initiative, decided before an
order update is triggered (order_delivery.py's senders). Pure rules on a clock the caller gives,
so they are tested at any hour:

- Telegram: about one message a second per chat (`ChatPacer` spaces the updates of a chat);
- Messenger: a normal message only within 24 hours of the customer's last message; after that
  only an approved utility-message template;
- Zalo OA: consultation messages ("tin tư vấn") within 48 hours of the customer's last message,
  at most 8 in that window; after that only a ZNS template (to the order's phone).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

TELEGRAM_CHAT_INTERVAL = timedelta(seconds=1)
MESSENGER_WINDOW = timedelta(hours=24)
ZALO_WINDOW = timedelta(hours=48)
ZALO_MESSAGES_PER_WINDOW = 8

# Rasa records an external event (trigger_intent: an order update, an agent's reply) as a user
# event whose text starts with this (rasa.shared.core.constants.EXTERNAL_MESSAGE_PREFIX): it is
# the back office speaking, not the customer, so it opens no window.
EXTERNAL_MESSAGE_PREFIX = "EXTERNAL: "


@dataclass(frozen=True)
class CustomerActivity:
    """What the windows are measured on: when the customer last wrote on the platform, and how
    many bot messages the conversation has had since."""

    last_message_at: datetime | None
    bot_messages_since: int


def customer_activity(events: Sequence[Mapping[str, Any]], channel: str) -> CustomerActivity:
    """From a Rasa tracker's events: the customer's last message on `channel` (not an external
    event) and the bot messages after it."""
    last: datetime | None = None
    since = 0
    for event in events:
        kind = event.get("event")
        if kind == "user":
            text = str(event.get("text") or "")
            if text.startswith(EXTERNAL_MESSAGE_PREFIX) or event.get("input_channel") != channel:
                continue
            stamp = event.get("timestamp")
            if isinstance(stamp, int | float):
                last = datetime.fromtimestamp(float(stamp), UTC)
                since = 0
        elif kind == "bot" and last is not None:
            since += 1
    return CustomerActivity(last, since)


def within(activity: CustomerActivity, window: timedelta, now: datetime) -> bool:
    last = activity.last_message_at
    return last is not None and now - last < window


def messenger_may_send(activity: CustomerActivity, now: datetime) -> bool:
    """A normal Messenger message (no template) is allowed now."""
    return within(activity, MESSENGER_WINDOW, now)


ZaloRoute = Literal["consultation", "window_closed", "window_full"]


def zalo_route(activity: CustomerActivity, now: datetime) -> ZaloRoute:
    """How Zalo lets the OA reach this user now: a consultation message while the 48-hour
    window is open and has fewer than 8 messages; otherwise why not (ZNS is the way then)."""
    if not within(activity, ZALO_WINDOW, now):
        return "window_closed"
    if activity.bot_messages_since >= ZALO_MESSAGES_PER_WINDOW:
        return "window_full"
    return "consultation"


class ChatPacer:
    """Spaces the messages of one chat by `interval` (Telegram: about one a second per chat).
    In the memory of the one delivery worker thread; a chat forgotten after a restart only
    risks one early message, which the channel's 429 retry absorbs."""

    def __init__(self, interval: timedelta = TELEGRAM_CHAT_INTERVAL) -> None:
        self.interval = interval
        self._last: dict[str, datetime] = {}

    def not_before(self, chat: str, now: datetime) -> datetime | None:
        """When the chat may have its next message, or None when it may now."""
        last = self._last.get(chat)
        if last is None or now - last >= self.interval:
            return None
        return last + self.interval

    def sent(self, chat: str, now: datetime) -> None:
        self._last[chat] = now
        if len(self._last) > 10_000:  # only the last second matters
            self._last = {c: t for c, t in self._last.items() if now - t < self.interval}
