"""Zalo OA webhook events: Zalo's proof of origin for the webhook guard (`signed_by`, see
channels.webhook_guard) and the checked request turned into a typed event, or into the HTTP
refusal it deserves. Pure functions, so every refusal is tested without a server; redeliveries
are recognised by `ZaloEvent.dedupe_key` in channels.redelivery.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

from channels.webhook_guard import Origin, Refusal
from channels.zalo.client import SIGNATURE_HEADER, signature_matches

MAX_BODY_BYTES = 64 * 1024
MAX_TEXT_CHARS = 4000  # what the helpdesk stores; Zalo's own limit is lower
MAX_EVENT_AGE_SECONDS = 24 * 3600  # Zalo re-sends a failed event for up to 12 hours
MAX_CLOCK_SKEW_SECONDS = 300
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")

TEXT_EVENT = "user_send_text"
IMAGE_EVENT = "user_send_image"
FOLLOW_EVENTS = frozenset({"follow", "unfollow"})
# What a person can send besides text; answered with a "text only, please" notice.
NON_TEXT_EVENTS = frozenset(
    {
        "user_send_image",
        "user_send_gif",
        "user_send_sticker",
        "user_send_file",
        "user_send_audio",
        "user_send_video",
        "user_send_link",
        "user_send_location",
        "user_send_business_card",
    }
)


@dataclass(frozen=True)
class ZaloEvent:
    """One accepted event. `user_id` is the Zalo user (sender, or follower for follow events)."""

    name: str
    user_id: str
    timestamp: str
    app_id: str
    msg_id: str | None = None
    text: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)
    image_url: str | None = None  # user_send_image: the photo's URL (`text`: its caption)

    @property
    def dedupe_key(self) -> str:
        if self.msg_id:
            return f"msg:{self.msg_id}"
        return f"{self.name}:{self.user_id}:{self.timestamp}"

    @property
    def kind(self) -> str:
        if self.name == TEXT_EVENT:
            return "text"
        if self.name == IMAGE_EVENT and self.image_url:
            return "image"
        if self.name in FOLLOW_EVENTS:
            return self.name
        if self.name in NON_TEXT_EVENTS:
            return "non_text"
        return "other"


def signed_by(app_id: str, secret_key: str) -> Origin:
    """The webhook guard's origin check for Zalo: `X-ZEvent-Signature` over the app id, the exact
    body and the event's timestamp, which is read from the body. So a body that is not an event
    is refused here: 401 unsigned or badly signed, 400 not JSON or without a timestamp."""

    def check(raw_body: bytes, headers: Any) -> Refusal | None:
        signature = headers.get(SIGNATURE_HEADER)
        if not signature or not signature.strip():
            return Refusal(401, "missing signature")
        read = _read(raw_body)
        if isinstance(read, Refusal):
            return read
        _, timestamp = read
        if not signature_matches(signature, app_id, raw_body, timestamp, secret_key):
            return Refusal(401, "bad signature")
        return None

    return check


def parse_event(
    raw_body: bytes,
    *,
    app_id: str,
    now: float | None = None,
    max_age_seconds: float = MAX_EVENT_AGE_SECONDS,
) -> ZaloEvent | Refusal:
    """The event in a request the guard let through (size and `signed_by`). Refusals: 400
    malformed, 403 for another app or an event too old (or from the future) to be genuine."""
    read = _read(raw_body)
    if isinstance(read, Refusal):
        return read
    body, timestamp = read
    if str(body.get("app_id") or "") != app_id:
        return Refusal(403, "event for another app")
    age = (time.time() if now is None else now) - int(timestamp) / 1000
    if age > max_age_seconds or age < -MAX_CLOCK_SKEW_SECONDS:
        return Refusal(403, "stale timestamp")
    name = body.get("event_name")
    if not isinstance(name, str) or not name:
        return Refusal(400, "missing event_name")
    return _typed(name, body, timestamp, app_id)


def _read(raw_body: bytes) -> tuple[dict[str, Any], str] | Refusal:
    """The body as a JSON object and its timestamp, as the signature covers it."""
    try:
        body = json.loads(raw_body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):  # nested too deep
        return Refusal(400, "body is not JSON")
    if not isinstance(body, dict):
        return Refusal(400, "body is not a JSON object")
    timestamp = _timestamp(body.get("timestamp"))
    if timestamp is None:
        return Refusal(400, "missing or invalid timestamp")
    return body, timestamp


def _typed(name: str, body: dict[str, Any], timestamp: str, app_id: str) -> ZaloEvent | Refusal:
    if name in FOLLOW_EVENTS:
        follower = _id(_get(body, "follower", "id"))
        if follower is None:
            return Refusal(400, "missing follower.id")
        return ZaloEvent(name, follower, timestamp, app_id, raw=body)
    if name != TEXT_EVENT and name not in NON_TEXT_EVENTS:
        # OA echoes (oa_send_*), seen/received receipts, shop events...: acknowledged, unused.
        someone = _id(_get(body, "sender", "id")) or ""
        return ZaloEvent(name, someone, timestamp, app_id, raw=body)
    sender = _id(_get(body, "sender", "id"))
    if sender is None:
        return Refusal(400, "missing sender.id")
    msg_id = _id(_get(body, "message", "msg_id"))
    if msg_id is None:
        return Refusal(400, "missing message.msg_id")
    if name == IMAGE_EVENT:
        url, caption = _image(body)
        return ZaloEvent(
            name, sender, timestamp, app_id, msg_id=msg_id, text=caption, raw=body, image_url=url
        )
    if name != TEXT_EVENT:
        return ZaloEvent(name, sender, timestamp, app_id, msg_id=msg_id, raw=body)
    text = _get(body, "message", "text")
    if not isinstance(text, str) or not text.strip():
        return Refusal(400, "missing message.text")
    if len(text) > MAX_TEXT_CHARS:
        return Refusal(400, "message.text too long")
    return ZaloEvent(name, sender, timestamp, app_id, msg_id=msg_id, text=text.strip(), raw=body)


def _image(body: dict[str, Any]) -> tuple[str | None, str | None]:
    """user_send_image: `message.attachments[].payload.url` (type `image`) and the caption
    (`message.text`, when the customer wrote one)."""
    message = body.get("message")
    attachments = message.get("attachments") if isinstance(message, dict) else None
    url = None
    for attachment in attachments if isinstance(attachments, list) else []:
        payload = attachment.get("payload") if isinstance(attachment, dict) else None
        found = payload.get("url") if isinstance(payload, dict) else None
        if (
            attachment.get("type") == "image"
            and isinstance(found, str)
            and found.startswith(("https://", "http://"))
        ):
            url = found
            break
    caption = message.get("text") if isinstance(message, dict) else None
    words = caption.strip()[:MAX_TEXT_CHARS] if isinstance(caption, str) else ""
    return url, words or None


def _get(body: dict[str, Any], outer: str, inner: str) -> Any:
    value = body.get(outer)
    return value.get(inner) if isinstance(value, dict) else None


def _id(value: Any) -> str | None:
    """Zalo ids are digit strings (numbers in some payloads); msg ids are hex."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = str(value)
    return text if ID_PATTERN.match(text) else None


def _timestamp(value: Any) -> str | None:
    """Milliseconds since the epoch, as Zalo writes it (a string; a number is accepted)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and 0 < value < 10**16:  # larger overflows a float
        return str(value)
    if isinstance(value, str) and value.isdigit() and len(value) <= 16:
        return value
    return None
