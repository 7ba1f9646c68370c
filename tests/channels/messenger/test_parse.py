"""Reading Messenger webhook notifications strictly (channels/messenger/parse.py; no server)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from caredesk_rules.attachments import PHOTO_TEXT
from channels.messenger.parse import MalformedEvent, parse_notification
from tests.support.fake_graph_api import (
    image_event,
    message_event,
    notification,
    postback_event,
)


def raw(value: Any) -> bytes:
    return json.dumps(value).encode()


def test_every_event_of_a_batch_is_read_in_order():
    batch = notification(
        message_event("1", "hello"),
        postback_event("2", "Track my order", "/track_order"),
        message_event("1", "Yes", quick_reply="/affirm"),
        {"sender": {"id": "1"}, "recipient": {"id": "p"}, "delivery": {"mids": ["m"]}},
        {
            "sender": {"id": "p"},
            "recipient": {"id": "1"},
            "message": {"is_echo": True, "text": "x"},
        },
    )
    assert [(t.sender_id, t.text) for t in parse_notification(raw(batch))] == [
        ("1", "hello"),
        ("2", "/track_order"),
        ("1", "/affirm"),
    ]


@pytest.mark.parametrize(
    "body",
    [
        b"{oops",
        raw([]),
        raw({"object": "instagram", "entry": []}),
        raw({"object": "page"}),
        raw({"object": "page", "entry": {}}),
        raw({"object": "page", "entry": ["x"]}),
        raw({"object": "page", "entry": [{"messaging": {}}]}),
        raw({"object": "page", "entry": [{"messaging": [{"message": {"text": "hi"}}]}]}),
        raw({"object": "page", "entry": [{"messaging": [{"sender": {"id": 5}}]}]}),
        raw(notification({"sender": {"id": "1"}, "message": "hi"})),
        raw(notification({"sender": {"id": "1"}, "message": {"text": 5}})),
        raw(notification({"sender": {"id": "1"}, "postback": {"payload": ["x"]}})),
    ],
)
def test_malformed_notifications_are_refused(body):
    with pytest.raises(MalformedEvent):
        parse_notification(body)


def test_one_bad_event_refuses_the_whole_batch_before_anything_is_handled():
    batch = notification(message_event("1", "hello"), {"sender": {}, "message": {"text": "x"}})
    with pytest.raises(MalformedEvent):
        parse_notification(raw(batch))


def test_an_image_attachment_is_a_photo_with_its_url():
    url = "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=1"
    [photo] = parse_notification(raw(notification(image_event("p1", url))))
    assert (photo.sender_id, photo.text, photo.image_url) == ("p1", PHOTO_TEXT, url)
    video = image_event("p1", url)
    video["message"]["attachments"][0]["type"] = "video"
    [other] = parse_notification(raw(notification(video)))
    assert other.image_url is None and other.text == url  # as before: the file's URL as text
