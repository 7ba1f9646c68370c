"""Proactive order updates against the running stack (issue 14's evidence for the widget): a
socket.io customer verifies ORD-10002, says yes and stays connected; the order system reports
packed, shipped and delayed; the three updates arrive in order, in the customer's language; a
repeated event is not sent twice; "dừng nhận tin" ends them. A customer who left finds the
update in the conversation, which the widget shows when it reconnects."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.support.live_chat import Customer

pytestmark = pytest.mark.stack

ORDER = "ORD-10002"  # binh.tran's, processing
SHOP = ZoneInfo("Asia/Ho_Chi_Minh")


def report(stack, event: dict) -> None:
    http = stack.backoffice.session()
    answer = http.post(
        f"{stack.backoffice.base_url}/api/v1/orders/{ORDER}/events", json=event, timeout=10
    )
    assert answer.status_code == 200, answer.text


def day(days: int) -> str:
    return (datetime.now(SHOP).date() + timedelta(days=days)).isoformat()


def subscribed_customer(stack) -> Customer:
    """A widget customer who verified ORD-10002 in Vietnamese and said yes to its updates."""
    customer = Customer(stack.rasa.base_url)
    customer.say("đơn ORD-10002 của mình đang ở đâu, sđt 0903 111 222")
    answer = customer.turn()
    offer = answer[-1]
    assert "cập nhật về đơn ORD-10002" in offer["text"], answer
    assert [b["payload"] for b in offer.get("quick_replies") or []] == [
        "/affirm",
        "/deny",
    ]
    customer.say("/affirm")
    [confirmed] = [m["text"] for m in customer.turn()]
    assert "mình sẽ nhắn cập nhật về đơn ORD-10002" in confirmed
    return customer


def test_a_connected_customer_gets_the_updates_in_order_and_once_until_they_stop(stack):
    stack.reset()
    customer = subscribed_customer(stack)
    try:
        report(stack, {"type": "packed", "event_id": "e2e-packed"})
        shipped = {"type": "shipped", "event_id": "e2e-shipped", "carrier": "GHTK",
                   "tracking_number": "GHTK555000111VN", "expected_delivery": day(3)}  # fmt: skip
        report(stack, shipped)
        report(stack, {"type": "delayed", "event_id": "e2e-late", "expected_delivery": day(5)})
        started = time.monotonic()
        packed, sent, late = customer.expect(3, timeout=20)
        assert time.monotonic() - started < 20
        assert "ORD-10002" in packed and "đóng gói" in packed
        assert "GHTK" in sent and "GHTK555000111VN" in sent
        assert "giao trễ" in late and "gặp nhân viên" in late
        assert stack.tracker(customer.session_id)["slots"]["order_id"] == ORDER

        report(stack, {"type": "delayed", "event_id": "e2e-late", "expected_delivery": day(5)})
        assert customer.silence(3) == []  # the order system repeated itself: said once

        customer.say("dừng nhận tin")
        [stopped] = customer.expect(1)
        assert "đã dừng gửi cập nhật về đơn ORD-10002" in stopped
        report(stack, {"type": "out_for_delivery", "event_id": "e2e-out"})
        assert customer.silence(3) == []
    finally:
        customer.close()


def test_an_update_for_a_customer_who_left_waits_in_the_conversation(stack):
    stack.reset()
    customer = subscribed_customer(stack)
    customer.close()
    report(stack, {"type": "packed", "event_id": "e2e-away"})
    deadline = time.monotonic() + 20
    while True:
        events = stack.tracker(customer.session_id)["events"]
        said = [
            e for e in events
            if e.get("event") == "bot"
            and ((e.get("metadata") or {}).get("caredesk") or {}).get("event") == "order_update"
        ]  # fmt: skip
        if said:
            break
        assert time.monotonic() < deadline, "the update never reached the conversation"
        time.sleep(0.2)
    assert "ORD-10002" in said[0]["text"] and "đóng gói" in said[0]["text"]


def test_a_conversation_that_did_not_subscribe_gets_nothing(stack):
    stack.reset()
    customer = Customer(stack.rasa.base_url)
    try:
        customer.say("đơn ORD-10002 của mình đang ở đâu, sđt 0903 111 222")
        customer.turn()
        customer.say("/deny")
        customer.turn()
        report(stack, {"type": "packed", "event_id": "e2e-declined"})
        assert customer.silence(3) == []
    finally:
        customer.close()
