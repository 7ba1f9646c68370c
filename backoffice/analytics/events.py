"""Rasa's broker events (JSON with `sender_id`, as Rasa's SQL and pika brokers publish them) cut
down to what the analytics measure, each with a key that makes ingesting it twice a no-op.

Kept: customer messages (`user`: text, intent, confidence, channel, the parse's language), the
assistant's words (`bot`: its text, for the drill-down's transcripts; no KPI counts them), its
actions (`action`: the fallback among them) and the slots the KPIs read (`language`,
`department`, `ticket_id`). Everything else (session starts, action_listen, the other slots,
a bot message with no text) is skipped, but still moves the ingestion's cursor.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

USER = "user"
ACTION = "action"
SLOT = "slot"
BOT = "bot"
KINDS = (USER, ACTION, SLOT, BOT)
SLOTS_KEPT = ("language", "department", "ticket_id")
# Actions that say nothing about the conversation: not stored (most of Rasa's events).
ACTIONS_SKIPPED = frozenset({"action_listen", "action_session_start", "action_unlikely_intent"})
# What the helpdesk posts into the conversation through Rasa's trigger_intent API (an agent's
# reply, "an agent joined"): not the customer's words.
EXTERNAL_INTENT_PREFIX = "EXTERNAL_"
TEXT_MAX = 500
VALUE_MAX = 128


@dataclass(frozen=True)
class EventRow:
    """One stored event: what the conversation facts are rebuilt from."""

    key: str
    sender_id: str
    at: datetime
    kind: str  # USER, ACTION, SLOT or BOT
    name: str | None = None  # the intent, the action or the slot
    value: str | None = None  # the slot's value
    text: str | None = None  # the customer's (USER) or the assistant's (BOT) words
    confidence: float | None = None
    channel: str | None = None
    language: str | None = None  # the parse's language (the LanguageDetector's)


def event_key(event: dict[str, Any]) -> str:
    """The same event published twice (a replayed table, a redelivered message) has one key:
    the SHA-256 of its canonical JSON (Rasa stamps every event with a float timestamp)."""
    canonical = json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def _text(value: Any, limit: int) -> str | None:
    if value is None:
        return None
    text = str(value).replace("\x00", "")
    return text[:limit]


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _slot_value(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    return _text(value, VALUE_MAX)


def normalise(event: dict[str, Any]) -> EventRow | None:
    """The stored form of a broker event, or None for an event the analytics skip (or a
    malformed one: a broker may carry other producers' messages)."""
    sender = event.get("sender_id")
    kind = event.get("event")
    stamp = event.get("timestamp")
    if not isinstance(sender, str) or not sender or kind not in KINDS:
        return None
    if not isinstance(stamp, (int, float)) or isinstance(stamp, bool):
        return None
    try:
        at = datetime.fromtimestamp(float(stamp), timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None
    sender = sender[:255]
    if kind == USER:
        parse = _object(event.get("parse_data"))
        intent = _object(parse.get("intent"))
        name = intent.get("name") if isinstance(intent.get("name"), str) else None
        if name and name.startswith(EXTERNAL_INTENT_PREFIX):
            return None
        confidence = intent.get("confidence")
        language = parse.get("language")
        channel = event.get("input_channel")
        return EventRow(
            key=event_key(event),
            sender_id=sender,
            at=at,
            kind=USER,
            name=_text(name, 64),
            text=_text(event.get("text") or "", TEXT_MAX),
            confidence=float(confidence) if isinstance(confidence, (int, float)) else None,
            channel=_text(channel, 32) if isinstance(channel, str) else None,
            language=language if language in ("en", "vi") else None,
        )
    if kind == BOT:
        # Buttons, images and custom payloads alone have no words for a transcript.
        words = _text(event.get("text"), TEXT_MAX) if isinstance(event.get("text"), str) else None
        if not words or not words.strip():
            return None
        return EventRow(key=event_key(event), sender_id=sender, at=at, kind=BOT, text=words)
    name = event.get("name")
    if not isinstance(name, str):
        return None
    if kind == ACTION:
        if name in ACTIONS_SKIPPED:
            return None
        return EventRow(key=event_key(event), sender_id=sender, at=at, kind=ACTION, name=name[:64])
    if name not in SLOTS_KEPT:
        return None
    return EventRow(
        key=event_key(event),
        sender_id=sender,
        at=at,
        kind=SLOT,
        name=name,
        value=_slot_value(event.get("value")),
    )


def parse_json(payload: str | bytes) -> dict[str, Any] | None:
    """A broker message's body, or None when it is not a JSON object."""
    try:
        event = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        return None
    return event if isinstance(event, dict) else None
