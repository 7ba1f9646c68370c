"""Reading Telegram Updates strictly (channels/telegram/parse.py; no server)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from caredesk_rules.attachments import MAX_ATTACHMENT_BYTES, PHOTO_TEXT
from channels.telegram.parse import MalformedUpdate, parse_update
from tests.support.fake_telegram import callback_update, message_update, photo_update


def body(update: Any) -> bytes:
    return json.dumps(update).encode()


def test_a_text_message_is_read_with_its_chat():
    inbound = parse_update(body(message_update(4242, "xin chào")))
    assert inbound is not None
    assert (inbound.chat_id, inbound.text, inbound.callback_query_id) == ("4242", "xin chào", None)


def test_start_command_greets():
    assert parse_update(body(message_update(1, "/start"))).text == "/greet"  # type: ignore[union-attr]
    assert parse_update(body(message_update(1, "/start ref42"))).text == "/greet"  # type: ignore[union-attr]


def test_a_button_press_is_read_as_its_payload():
    inbound = parse_update(body(callback_update(77, "/track_order")))
    assert inbound is not None
    assert (inbound.chat_id, inbound.text) == ("77", "/track_order")
    assert inbound.callback_query_id


@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b"[1, 2]",
        b'"text"',
        body({"message": {"chat": {"id": 1}, "text": "hi"}}),  # no update_id
        body({"update_id": "7", "message": {"chat": {"id": 1}, "text": "hi"}}),
        body({"update_id": 7, "message": "hi"}),
        body({"update_id": 7, "message": {"text": "hi"}}),  # no chat
        body({"update_id": 7, "message": {"chat": {"id": "1"}, "text": "hi"}}),
        body({"update_id": 7, "message": {"chat": {"id": 1}, "text": ["hi"]}}),
        body({"update_id": 7, "callback_query": {"id": "9", "data": "/greet"}}),  # no from
        body({"update_id": 7, "callback_query": {"from": {"id": 1}, "data": "/greet"}}),
        b"\xff\xfe",
    ],
)
def test_malformed_updates_are_refused(raw):
    with pytest.raises(MalformedUpdate):
        parse_update(raw)


def test_updates_without_text_are_ignored():
    sticker = message_update(5, "x")
    del sticker["message"]["text"]
    sticker["message"]["sticker"] = {"file_id": "abc", "width": 512, "height": 512}
    assert parse_update(body(sticker)) is None
    assert parse_update(body({"update_id": 8, "my_chat_member": {"chat": {"id": 5}}})) is None


def test_a_photo_is_read_as_its_largest_size_within_the_limit_with_its_caption():
    update = photo_update(5, ["small", "medium", "huge"], caption="  vỡ rồi ")
    update["message"]["photo"][2]["file_size"] = MAX_ATTACHMENT_BYTES + 1
    inbound = parse_update(body(update))
    assert inbound is not None
    assert (inbound.chat_id, inbound.text, inbound.photo_file_id) == ("5", "vỡ rồi", "medium")
    bare = parse_update(body(photo_update(5, ["only"])))
    assert bare is not None and (bare.text, bare.photo_file_id) == (PHOTO_TEXT, "only")


@pytest.mark.parametrize("photo", [[], "AgAC", [{"width": 90}], [{"file_id": 7}], {"file_id": "x"}])
def test_a_malformed_photo_is_refused(photo):
    update = photo_update(5, ["x"])
    update["message"]["photo"] = photo
    with pytest.raises(MalformedUpdate):
        parse_update(body(update))
