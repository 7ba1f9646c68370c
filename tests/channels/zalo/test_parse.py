"""Checking Zalo webhook requests: every refusal, and the events that pass (no server). A request
is checked as the webhook checks it: by the channel's guard (size, `signed_by`), then read by
`parse_event`."""

from __future__ import annotations

import json
import time

import pytest

from channels.webhook_guard import Refusal
from channels.zalo import ZaloInput
from channels.zalo.client import SIGNATURE_HEADER, compute_signature
from channels.zalo.parse import MAX_BODY_BYTES, ZaloEvent, parse_event
from tests.support.fake_zalo import ZaloWebhook

APP_ID = "2553928453557884079"
SECRET = "oa-secret-key-for-tests"
ZALO = ZaloWebhook("http://unused", APP_ID, SECRET)
GUARD = ZaloInput(APP_ID, SECRET, "oa-access-token").guard


def check(raw: bytes, signature: str | None, **kwargs) -> ZaloEvent | Refusal:
    headers = {} if signature is None else {SIGNATURE_HEADER: signature}
    return GUARD.check(raw, headers) or parse_event(raw, app_id=APP_ID, **kwargs)


def signed(event: dict) -> tuple[bytes, str]:
    raw = ZALO.encode(event)
    return raw, ZALO.sign(raw, str(event.get("timestamp")))


def test_a_signed_text_event_is_accepted_with_its_fields():
    raw, signature = signed(ZALO.text_event("6142494823", "đơn hàng của tôi đâu", "cb31dff1c3"))
    event = check(raw, signature)
    assert isinstance(event, ZaloEvent)
    assert (event.kind, event.user_id, event.text, event.msg_id) == (
        "text",
        "6142494823",
        "đơn hàng của tôi đâu",
        "cb31dff1c3",
    )
    assert event.dedupe_key == "msg:cb31dff1c3"


def test_follow_and_unfollow_use_the_follower_id():
    for name in ("follow", "unfollow"):
        event = check(*signed(ZALO.follow_event("777", name)))
        assert isinstance(event, ZaloEvent) and event.kind == name and event.user_id == "777"


def test_an_image_is_read_with_its_url_and_caption():
    event = check(*signed(ZALO.image_event("777", "https://cdn.zalo.test/p.jpg", " nứt rồi ")))
    assert isinstance(event, ZaloEvent) and event.kind == "image"
    assert (event.image_url, event.text) == ("https://cdn.zalo.test/p.jpg", "nứt rồi")
    bare = check(*signed(ZALO.image_event("777")))
    assert isinstance(bare, ZaloEvent) and bare.kind == "image" and bare.text is None


def test_an_image_without_a_web_url_and_other_media_are_non_text_events():
    odd = ZALO.image_event("777", "file:///etc/passwd")
    event = check(*signed(odd))
    assert isinstance(event, ZaloEvent) and event.kind == "non_text"
    sticker = ZALO.image_event("777")
    sticker["event_name"] = "user_send_sticker"
    event = check(*signed(sticker))
    assert isinstance(event, ZaloEvent) and event.kind == "non_text" and event.text is None


def test_other_events_are_acknowledged_as_other():
    event = {
        "app_id": APP_ID,
        "event_name": "oa_send_text",
        "timestamp": str(int(time.time() * 1000)),
    }
    result = check(*signed(event))
    assert isinstance(result, ZaloEvent) and result.kind == "other"


def test_a_numeric_timestamp_is_signed_as_written():
    event = ZALO.text_event("1", "hi")
    event["timestamp"] = int(event["timestamp"])
    raw = ZALO.encode(event)
    assert isinstance(check(raw, ZALO.sign(raw, str(event["timestamp"]))), ZaloEvent)


@pytest.mark.parametrize(
    ("signature", "status"),
    [
        (None, 401),
        ("", 401),
        ("mac=" + "0" * 64, 401),
        ("sha256=abc", 401),
    ],
)
def test_unsigned_or_badly_signed_events_are_401(signature, status):
    raw = ZALO.encode(ZALO.text_event("1", "hi"))
    result = check(raw, signature)
    assert isinstance(result, Refusal) and result.status == status


def test_signed_with_another_secret_is_401():
    event = ZALO.text_event("1", "hi")
    raw = ZALO.encode(event)
    result = check(raw, ZALO.sign(raw, event["timestamp"], secret_key="other-secret"))
    assert isinstance(result, Refusal) and result.status == 401


def test_a_body_changed_after_signing_is_401():
    event = ZALO.text_event("1", "hi")
    raw, signature = signed(event)
    result = check(raw.replace(b'"hi"', b'"ho"'), signature)
    assert isinstance(result, Refusal) and result.status == 401


def test_an_event_of_another_app_is_403_even_when_signed():
    event = ZALO.text_event("1", "hi")
    event["app_id"] = "999"
    result = check(*signed(event))  # signed with our app id and secret, body names another app
    assert isinstance(result, Refusal) and result.status == 403


def test_stale_and_future_events_are_403():
    old = ZALO.text_event("1", "hi")
    old["timestamp"] = str(int((time.time() - 2 * 24 * 3600) * 1000))
    future = ZALO.text_event("1", "hi")
    future["timestamp"] = str(int((time.time() + 3600) * 1000))
    for event in (old, future):
        result = check(*signed(event))
        assert isinstance(result, Refusal) and result.status == 403


def _without(path: str) -> dict:
    event = ZALO.text_event("1", "hi")
    outer, _, inner = path.partition(".")
    if inner:
        del event[outer][inner]
    else:
        del event[outer]
    return event


@pytest.mark.parametrize(
    "event",
    [
        _without("sender"),
        _without("sender.id"),
        _without("message"),
        _without("message.text"),
        _without("message.msg_id"),
        _without("event_name"),
        {**ZALO.text_event("1", "hi"), "message": {"text": "   ", "msg_id": "abc"}},
        {**ZALO.text_event("1", "hi"), "message": {"text": 42, "msg_id": "abc"}},
        {**ZALO.text_event("1", "hi"), "message": "hi"},
        {**ZALO.text_event("1", "hi"), "sender": {"id": "../../etc"}},
        {**ZALO.text_event("1", "hi"), "sender": {"id": True}},
        {**ZALO.text_event("1", "x" * 4001)},
        {**ZALO.follow_event("1"), "follower": {}},
    ],
    ids=lambda e: "case",
)
def test_signed_but_malformed_events_are_400(event):
    result = check(*signed(event))
    assert isinstance(result, Refusal) and result.status == 400, result


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"not json",
        b"[1, 2]",
        b'"text"',
        b"\xff\xfe",
        b'{"app_id": "1"}',
        b'{"timestamp": "12a"}',
    ],
)
def test_bodies_that_are_not_events_are_400(raw):
    result = check(raw, "mac=" + "0" * 64)
    assert isinstance(result, Refusal) and result.status == 400


def test_oversized_bodies_are_413():
    event = ZALO.text_event("1", "hi")
    event["padding"] = "x" * MAX_BODY_BYTES
    result = check(*signed(event))
    assert isinstance(result, Refusal) and result.status == 413


def test_signature_covers_the_exact_bytes_not_a_reserialisation():
    event = ZALO.text_event("1", "Xin chào")
    spaced = json.dumps(event, ensure_ascii=True, indent=2).encode()
    signature = compute_signature(APP_ID, spaced, event["timestamp"], SECRET)
    assert isinstance(check(spaced, signature), ZaloEvent)
    assert isinstance(check(ZALO.encode(event), signature), Refusal)
