"""Bot messages within Telegram's limits (channels/telegram/render.py; no server)."""

from __future__ import annotations

import json

from channels import utf16_length
from channels.telegram.render import keyboard, text_parts


def test_long_texts_are_split_within_telegram_limit_at_paragraphs():
    paragraph = "Đơn hàng rời kho trong vòng 24 giờ. " * 40
    text = "\n\n".join([paragraph.strip()] * 5)
    parts = text_parts(text)
    assert len(parts) > 1
    assert all(utf16_length(p) <= 4096 for p in parts)
    assert " ".join(parts).split() == text.split()  # nothing lost, nothing added


def test_emoji_count_twice_in_telegram_units():
    parts = text_parts("😀" * 3000)
    assert [utf16_length(p) for p in parts] == [4096, 1904]


def test_keyboards_short_titles_share_a_row_long_ones_stack():
    rating = keyboard([{"title": str(n), "payload": f"/rate{n}"} for n in range(1, 6)])
    assert [len(row) for row in rating.inline_keyboard] == [5]
    menu = keyboard([{"title": f"Menu entry {n}", "payload": f"/m{n}"} for n in range(6)])
    assert [len(row) for row in menu.inline_keyboard] == [1] * 6
    explicit = keyboard([{"title": f"Menu entry {n}", "payload": "/x"} for n in range(4)], "inline")
    assert [len(row) for row in explicit.inline_keyboard] == [4]


def test_payloads_over_64_bytes_fall_back_to_a_reply_keyboard():
    long = "/inform" + json.dumps({"note": "x" * 80})
    markup = keyboard([{"title": "Send", "payload": long}])
    assert markup.keyboard[0][0].text == "Send"
