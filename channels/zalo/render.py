"""Rasa bot messages as Zalo OA messages: text cut to Zalo's 2,000 characters, buttons as Zalo's
template buttons when they fit its limits, otherwise as a numbered list the user answers with a
number (remembered per user until their next message).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from threading import Lock
from typing import Any

from caredesk_rules.text import split_text
from channels.zalo.client import MAX_BUTTON_PAYLOAD_CHARS, MAX_BUTTON_TITLE_CHARS, MAX_TEXT_CHARS

MAX_TEMPLATE_BUTTONS = 4
# Said by the channel itself when a user sends a sticker, a photo...: the assistant reads text.
TEXT_ONLY_NOTICE = (
    "Xin lỗi, hiện mình chỉ đọc được tin nhắn chữ. Bạn vui lòng gõ câu hỏi nhé.\n"
    "Sorry, I can only read text messages. Please type your question."
)
_URL = re.compile(r"^https?://", re.IGNORECASE)
_NUMBER = re.compile(r"^\s*(\d{1,2})\s*[.)]?\s*$")


def _zalo_button(button: dict[str, Any]) -> dict[str, Any] | None:
    title = str(button.get("title") or "").strip()
    payload = button.get("url") or button.get("payload")
    if not title or not isinstance(payload, str) or not payload:
        return None
    if len(title) > MAX_BUTTON_TITLE_CHARS or len(payload) > MAX_BUTTON_PAYLOAD_CHARS:
        return None
    if button.get("type") == "web_url" or _URL.match(payload):
        return {"title": title, "type": "oa.open.url", "payload": {"url": payload}}
    # oa.query.hide: a click sends `payload` to the OA as the user's text message, hidden in
    # the user's chat window (so the user sees the title they chose, not "/affirm").
    return {"title": title, "type": "oa.query.hide", "payload": payload}


def with_buttons(
    text: str, buttons: list[dict[str, Any]], max_buttons: int = MAX_TEMPLATE_BUTTONS
) -> tuple[list[dict[str, Any]], list[str] | None]:
    """The Zalo messages for a text with buttons, and the payloads in order when they had to
    become a numbered list (None when Zalo's template buttons carry them)."""
    converted = [_zalo_button(b) for b in buttons]
    fits = len(buttons) <= max_buttons and all(c is not None for c in converted)
    if fits and converted:
        pieces = split_text(text, MAX_TEXT_CHARS) or [""]
        messages: list[dict[str, Any]] = [{"text": p} for p in pieces[:-1]]
        last: dict[str, Any] = {
            "attachment": {"type": "template", "payload": {"buttons": converted}},
        }
        if pieces[-1]:
            last["text"] = pieces[-1]
        messages.append(last)
        return messages, None
    options = [f"{i}. {b.get('title') or b.get('payload')}" for i, b in enumerate(buttons, 1)]
    payloads = [str(b.get("url") or b.get("payload") or b.get("title") or "") for b in buttons]
    body = (text.strip() + "\n\n" if text.strip() else "") + "\n".join(options)
    return [{"text": p} for p in split_text(body, MAX_TEXT_CHARS)], payloads


def image_message(url: str) -> dict[str, Any]:
    return {
        "attachment": {
            "type": "template",
            "payload": {
                "template_type": "media",
                "elements": [{"media_type": "image", "url": url}],
            },
        }
    }


class NumberedChoices:
    """Numbered options last offered to each user; a reply "2" becomes option 2's payload.
    Bounded (oldest users forgotten first), in memory, shared by the webhook and the sender."""

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self._options: OrderedDict[str, list[str]] = OrderedDict()
        self._lock = Lock()  # written from Rasa's event loop and from worker threads

    def offer(self, user_id: str, payloads: list[str]) -> None:
        with self._lock:
            self._options[user_id] = payloads
            self._options.move_to_end(user_id)
            while len(self._options) > self.size:
                self._options.popitem(last=False)

    def resolve(self, user_id: str, text: str) -> str:
        """The payload the user picked, or their text as is. The options last one message."""
        with self._lock:
            options = self._options.pop(user_id, None)
        match = _NUMBER.match(text)
        if options and match and 1 <= int(match.group(1)) <= len(options):
            return options[int(match.group(1)) - 1]
        return text
