"""Rasa bot messages within Messenger's limits: texts of at most 2000 characters, titles of 20,
up to 3 buttons in a button template and up to 13 quick replies. No Rasa, no server here."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from caredesk_rules.text import split_text

logger = logging.getLogger(__name__)

MAX_TEXT = 2000  # characters of a text message
MAX_TEMPLATE_TEXT = 640  # characters of a button template's text
MAX_TEMPLATE_BUTTONS = 3
MAX_QUICK_REPLIES = 13
MAX_TITLE = 20  # characters of a button or quick reply title
MAX_PAYLOAD = 1000  # characters of a postback or quick reply payload


def text_parts(text: str) -> list[str]:
    """One message per part: split only past Messenger's 2000 characters."""
    return split_text(text, MAX_TEXT)


def _title(title: object) -> str:
    text = str(title or "").strip() or "…"
    return text if len(text) <= MAX_TITLE else text[: MAX_TITLE - 1] + "…"


def postback_button(button: dict[str, Any]) -> dict[str, Any]:
    kind = button.get("type") or "postback"
    converted = {"type": kind, "title": _title(button.get("title"))}
    if kind == "web_url":
        converted["url"] = str(button.get("url", ""))
    else:
        converted["payload"] = str(button.get("payload", ""))[:MAX_PAYLOAD]
    return converted


def quick_replies(buttons: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rasa buttons as Messenger quick replies (text ones; at most 13)."""
    replies = [
        {
            "content_type": "text",
            "title": _title(b.get("title")),
            "payload": str(b.get("payload") or b.get("title") or "")[:MAX_PAYLOAD],
        }
        for b in buttons
    ]
    if len(replies) > MAX_QUICK_REPLIES:
        logger.warning("facebook: %d quick replies, Messenger shows 13", len(replies))
    return replies[:MAX_QUICK_REPLIES]
