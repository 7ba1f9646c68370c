"""What a verification is worth in a conversation, who is asking, and who the shop says it is.

Whether a contact owns an order is the back office's answer (`POST /orders/verify`), which also
counts failures across conversations and locks. The conversation only remembers that it proved
an order, and not for long: `VERIFICATION_IDLE_SECONDS` after its last use it must be proven
again, a new session never carries it (actions/session.py drops `SESSION_BOUND_SLOTS`), and
signing out of the shop starts a new session (the widget does).
"""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet

from caredesk_rules.formatting import from_moment, now_in_shop
from channels.shop_identity import METADATA_CUSTOMER

IDLE_ENV = "CAREDESK_VERIFICATION_IDLE_SECONDS"
VERIFICATION_IDLE_SECONDS = 15 * 60
# Channels that verify the shop's signed customer before it reaches the bot; others (REST)
# pass their clients' metadata on as it came.
SIGNED_IDENTITY_CHANNELS = ("socketio",)

# A lock lasts until enough failures leave the 30-minute window (docs/contract.md): the most a
# lock whose end the back office did not say can last.
LOCK_WINDOW = timedelta(minutes=30)

S_ORDER = "order_id"
S_CONTACT = "customer_contact"
S_VERIFIED = "verified_order_id"
S_VERIFIED_AT = "verified_at"  # Unix seconds of the verified order's last use
S_TICKET_CONTACT = "ticket_contact"  # the contact proven for the conversation's ticket
S_PENDING = "pending_confirmation"
# What proves or depends on a proof: never carried into a new session.
SESSION_BOUND_SLOTS = (
    S_ORDER,
    S_CONTACT,
    S_VERIFIED,
    S_VERIFIED_AT,
    S_TICKET_CONTACT,
    S_PENDING,
    "email",
    "phone",
    "new_address",
    "return_reason",
    "ticket_note",
)


def idle_seconds() -> float:
    raw = os.environ.get(IDLE_ENV, "").strip()
    if not raw:
        return VERIFICATION_IDLE_SECONDS
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{IDLE_ENV} must be a number of seconds, got {raw!r}") from None
    if value <= 0:
        raise ValueError(f"{IDLE_ENV} must be positive")
    return value


def verified_order(tracker: Tracker) -> str | None:
    """The order this conversation proved, if it was used within the idle time."""
    order_id = tracker.get_slot(S_VERIFIED)
    used_at = tracker.get_slot(S_VERIFIED_AT)
    if not order_id or not isinstance(used_at, (int, float)):
        return None
    return str(order_id) if 0 <= time.time() - used_at <= idle_seconds() else None


def verification_expired(tracker: Tracker) -> bool:
    """A proof the conversation held and may no longer use."""
    return bool(tracker.get_slot(S_VERIFIED)) and verified_order(tracker) is None


def used(order_id: str) -> list[EventType]:
    """The order is (still) proven: its idle time starts again now."""
    return [SlotSet(S_VERIFIED, order_id), SlotSet(S_VERIFIED_AT, time.time())]


def forgotten() -> list[EventType]:
    """An expired proof and the contact that made it: asked for again next time."""
    return [SlotSet(S_VERIFIED, None), SlotSet(S_VERIFIED_AT, None), SlotSet(S_CONTACT, None)]


def _last_user_event(tracker: Tracker) -> dict[str, Any]:
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return dict(event)
    return {}


def input_channel(tracker: Tracker) -> str | None:
    """The channel of the customer's latest message (where the conversation is now)."""
    channel = _last_user_event(tracker).get("input_channel")
    return str(channel) if channel else None


def conversation_client(tracker: Tracker) -> str:
    """Who asks, as the back office counts failures: the channel and the sender id."""
    return f"{input_channel(tracker) or 'unknown'}:{tracker.sender_id}"


def shop_customer(tracker: Tracker) -> str | None:
    """The shop's signed-in customer (its account email), verified by the channel, or None."""
    event = _last_user_event(tracker)
    if event.get("input_channel") not in SIGNED_IDENTITY_CHANNELS:
        return None
    metadata = event.get("metadata")
    customer = metadata.get(METADATA_CUSTOMER) if isinstance(metadata, dict) else None
    return customer.strip() if isinstance(customer, str) and customer.strip() else None


def lock_ends(until: datetime | None, language: str) -> str:
    """When checking is possible again, as the customer reads it: 'từ 9:30 hôm nay'."""
    now = now_in_shop()
    return from_moment(until or now + LOCK_WINDOW, now, language)
