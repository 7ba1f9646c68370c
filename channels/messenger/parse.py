"""A Messenger webhook notification (https://developers.facebook.com/docs/messenger-platform/
webhooks) read strictly: every customer text of a batch with its sender and message id, or
`MalformedEvent` for anything Meta does not document (the webhook answers 400 and nothing of the
batch reaches Rasa). No Rasa, no server here."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from caredesk_rules.attachments import PHOTO_TEXT


class MalformedEvent(ValueError):
    """The body is not a Messenger webhook notification as Meta documents it."""


@dataclass(frozen=True)
class InboundText:
    sender_id: str  # the customer's page-scoped id (PSID)
    text: str
    mid: str | None = None  # the message's id: the same on a redelivery
    image_url: str | None = None  # a photo the customer sent (`text` is then PHOTO_TEXT)


def _image_url(event: dict[str, Any]) -> str | None:
    """The URL of the first `image` attachment of a customer's message (Meta's CDN)."""
    message = event.get("message")
    if not isinstance(message, dict) or message.get("is_echo"):
        return None
    attachments = message.get("attachments")
    for attachment in attachments if isinstance(attachments, list) else []:
        if not isinstance(attachment, dict) or attachment.get("type") != "image":
            continue
        payload = attachment.get("payload")
        url = payload.get("url") if isinstance(payload, dict) else None
        if isinstance(url, str) and url.startswith(("https://", "http://")):
            return url
    return None


def _text_of(event: dict[str, Any]) -> str | None:
    message = event.get("message")
    if message is not None:
        if not isinstance(message, dict):
            raise MalformedEvent("message is not an object")
        if message.get("is_echo"):
            return None  # the page's own message coming back
        quick_reply = message.get("quick_reply")
        if isinstance(quick_reply, dict) and isinstance(quick_reply.get("payload"), str):
            return str(quick_reply["payload"])
        text = message.get("text")
        if text is not None and not isinstance(text, str):
            raise MalformedEvent("message.text is not a string")
        if text:
            return text
        attachments = message.get("attachments")
        if isinstance(attachments, list) and attachments and isinstance(attachments[0], dict):
            url = (attachments[0].get("payload") or {}).get("url")
            return url if isinstance(url, str) and url else None  # as Rasa: the file's URL
        return None
    postback = event.get("postback")
    if postback is not None:
        if not isinstance(postback, dict):
            raise MalformedEvent("postback is not an object")
        payload = postback.get("payload")
        if payload is not None and not isinstance(payload, str):
            raise MalformedEvent("postback.payload is not a string")
        return payload or None
    return None  # delivery, read, reaction...: nothing to answer


def _mid_of(event: dict[str, Any]) -> str | None:
    """The id Meta gives a message or a postback (a button press)."""
    for kind in ("message", "postback"):
        part = event.get(kind)
        if isinstance(part, dict) and isinstance(part.get("mid"), str) and part["mid"]:
            return str(part["mid"])
    return None


def parse_notification(body: bytes) -> list[InboundText]:
    """Every customer text of a webhook batch, in order. Raises `MalformedEvent` before anything
    is handled when any part of the body is not as documented."""
    try:
        notification = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as error:  # nested too deep
        raise MalformedEvent("body is not JSON") from error
    if not isinstance(notification, dict) or notification.get("object") != "page":
        raise MalformedEvent('expected {"object": "page", "entry": [...]}')
    entries = notification.get("entry")
    if not isinstance(entries, list):
        raise MalformedEvent("entry is not a list")
    texts: list[InboundText] = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise MalformedEvent("an entry is not an object")
        events = entry.get("messaging", [])
        if not isinstance(events, list):
            raise MalformedEvent("entry.messaging is not a list")
        for event in events:
            if not isinstance(event, dict):
                raise MalformedEvent("a messaging event is not an object")
            sender = event.get("sender")
            if not isinstance(sender, dict) or not isinstance(sender.get("id"), str):
                raise MalformedEvent("sender.id missing")
            text, image = _text_of(event), _image_url(event)
            if image is not None and (not text or text == image):
                text = PHOTO_TEXT  # a photo without words
            if text:
                texts.append(InboundText(sender["id"], text, _mid_of(event), image))
    return texts
