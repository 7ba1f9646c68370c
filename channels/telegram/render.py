"""Rasa bot messages within Telegram's limits: a text in parts of at most 4096 UTF-16 code units,
buttons as a keyboard that stays readable on a phone. No Rasa, no server here."""

from __future__ import annotations

import logging
from typing import Any

from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from caredesk_rules.text import split_text
from channels import utf16_length

logger = logging.getLogger(__name__)

MAX_TEXT = 4096  # characters (UTF-16 code units) in one message
MAX_CALLBACK_DATA = 64  # bytes of an inline button's callback_data
ONE_ROW_TITLES = 30  # characters of all button titles that still fit one keyboard row


def text_parts(text: str) -> list[str]:
    """One message per part: split only past Telegram's 4096 (UTF-16) characters."""
    return split_text(text, MAX_TEXT, utf16_length)


def keyboard(
    buttons: list[dict[str, Any]], button_type: str | None = None
) -> InlineKeyboardMarkup | ReplyKeyboardMarkup:
    """Rasa buttons as a Telegram keyboard.

    Inline buttons send their payload back as callback data, which Telegram caps at 64 bytes;
    a longer payload falls back to a reply keyboard (the customer then sends the title).
    `button_type` as in Rasa ("inline": one row, "vertical", "reply"); without it short titles
    share a row and longer ones get a row each, so they stay readable on a phone."""
    titles = [str(b.get("title", "")) for b in buttons]
    payloads = [str(b.get("payload", "")) for b in buttons]
    if button_type == "reply" or any(
        not p or len(p.encode("utf-8")) > MAX_CALLBACK_DATA for p in payloads
    ):
        if button_type != "reply":
            logger.warning("telegram: a button payload over 64 bytes; sending a reply keyboard")
        reply = ReplyKeyboardMarkup(resize_keyboard=True, one_time_keyboard=True)
        for title in titles:
            reply.row(KeyboardButton(title))
        return reply
    inline = InlineKeyboardMarkup()
    row = [InlineKeyboardButton(t, callback_data=p) for t, p in zip(titles, payloads, strict=True)]
    one_row = button_type == "inline" or (
        button_type is None and sum(len(t) for t in titles) <= ONE_ROW_TITLES
    )
    if one_row:
        inline.row(*row)
    else:
        for button in row:
            inline.row(button)
    return inline
