"""A Telegram Update (https://core.telegram.org/bots/api#update) read strictly: the customer's
text or button payload and whose chat it is, or `MalformedUpdate` for anything the Bot API does
not document (the webhook answers 400 and nothing reaches Rasa). No Rasa, no server here."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace

from caredesk_rules.attachments import MAX_ATTACHMENT_BYTES, PHOTO_TEXT

START_COMMAND = re.compile(r"/start(@\w+)?(\s.*)?", re.DOTALL)


class MalformedUpdate(ValueError):
    """The body is not a Telegram Update as the Bot API documents it."""


@dataclass(frozen=True)
class InboundText:
    """What the assistant needs from an Update: whose chat, what they said or pressed."""

    chat_id: str
    text: str
    callback_query_id: str | None = None
    update_id: int = 0
    language: str | None = None  # the customer's Telegram language ("vi", "en", ...)
    # A photo's `file_id` (the largest size within our limit); `text` is then its caption.
    photo_file_id: str | None = None


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _chat_id(message: object) -> str:
    if not isinstance(message, dict):
        raise MalformedUpdate("message is not an object")
    chat = message.get("chat")
    if not isinstance(chat, dict) or not _is_int(chat.get("id")):
        raise MalformedUpdate("message.chat.id missing")
    return str(chat["id"])


def _language(sender: object) -> str | None:
    code = sender.get("language_code") if isinstance(sender, dict) else None
    return code.split("-")[0].lower() if isinstance(code, str) and code else None


def _photo_file_id(message: dict) -> str | None:
    """The `photo` array (PhotoSize objects, smallest first): the largest that Telegram says
    fits our limit (the smallest if none says so)."""
    sizes = message.get("photo")
    if sizes is None:
        return None
    if not isinstance(sizes, list) or not sizes:
        raise MalformedUpdate("message.photo is not a list of PhotoSize")
    for size in sizes:
        if not isinstance(size, dict) or not isinstance(size.get("file_id"), str):
            raise MalformedUpdate("message.photo holds no file_id")
    fitting = [
        s
        for s in sizes
        if not _is_int(s.get("file_size")) or s["file_size"] <= MAX_ATTACHMENT_BYTES
    ]
    return str((fitting or sizes[:1])[-1]["file_id"]) or None


def _from_message(message: object) -> InboundText | None:
    chat_id = _chat_id(message)
    assert isinstance(message, dict)
    text = message.get("text")
    if text is not None and not isinstance(text, str):
        raise MalformedUpdate("message.text is not a string")
    caption = message.get("caption")
    if caption is not None and not isinstance(caption, str):
        raise MalformedUpdate("message.caption is not a string")
    sender = message.get("from")
    if sender is not None and not isinstance(sender, dict):
        raise MalformedUpdate("message.from is not an object")
    photo = _photo_file_id(message)
    if (sender or {}).get("is_bot") is True:
        return None  # another bot
    if photo:
        words = (caption or "").strip() or PHOTO_TEXT
        return InboundText(chat_id, words, language=_language(sender), photo_file_id=photo)
    if not text or not text.strip():
        return None  # a sticker, a file, a member change...: nothing to answer
    if START_COMMAND.fullmatch(text.strip()):
        text = "/greet"  # the first thing every Telegram user sends
    return InboundText(chat_id, text, language=_language(sender))


def _from_callback_query(query: object) -> InboundText | None:
    if not isinstance(query, dict):
        raise MalformedUpdate("callback_query is not an object")
    query_id, sender, data = query.get("id"), query.get("from"), query.get("data")
    if not isinstance(query_id, str) or not query_id:
        raise MalformedUpdate("callback_query.id missing")
    if not isinstance(sender, dict) or not _is_int(sender.get("id")):
        raise MalformedUpdate("callback_query.from.id missing")
    if data is not None and not isinstance(data, str):
        raise MalformedUpdate("callback_query.data is not a string")
    # Without `message` (inline mode) the private chat's id is the user's id.
    chat_id = _chat_id(query["message"]) if "message" in query else str(sender["id"])
    if not data:
        return None  # a game button: no payload for the assistant
    return InboundText(chat_id, data, callback_query_id=query_id, language=_language(sender))


def parse_update(body: bytes) -> InboundText | None:
    """The customer's text in a webhook body; None for a valid Update without one.

    Raises `MalformedUpdate` for anything that is not a documented Update."""
    try:
        update = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as error:  # nested too deep
        raise MalformedUpdate("body is not JSON") from error
    if not isinstance(update, dict):
        raise MalformedUpdate("an Update is a JSON object")
    if not _is_int(update.get("update_id")):
        raise MalformedUpdate("update_id missing")
    inbound: InboundText | None = None
    if "callback_query" in update:
        inbound = _from_callback_query(update["callback_query"])
    else:
        for kind in ("message", "edited_message"):
            if kind in update:
                inbound = _from_message(update[kind])
                break
    return replace(inbound, update_id=update["update_id"]) if inbound else None
