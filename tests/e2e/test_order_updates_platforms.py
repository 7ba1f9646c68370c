"""Proactive order updates on Telegram, Messenger and Zalo against the running stack and local
fakes of the platforms (issue 14's evidence for the messaging channels): a customer verifies
ORD-10002 on the platform and says yes to its updates; the order system reports an event; the
back office decides what the platform allows and delivers it through Rasa, through the
platform's template, or records it as not allowed.

Outside a reply window is made by moving the conversation's past back in Rasa's tracker (its
events API): the window is measured from the customer's last message there."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from sqlalchemy import text

from devstack.stack import Stack
from tests.support.fake_graph_api import (
    PAGE_ACCESS_TOKEN,
    UTILITY_TEMPLATE,
    MessengerUser,
    choices,
    text_of,
)
from tests.support.fake_telegram import TelegramUser, inline_buttons
from tests.support.fake_zalo import ZaloWebhook, new_user_id
from tests.support.fake_zns import ZNS_TEMPLATE_ID, FakeZns, fake_zns
from tests.support.shared_stack import (
    TELEGRAM_SECRET,
    ZALO_ACCESS_TOKEN,
    ZALO_APP_ID,
    ZALO_SECRET_KEY,
    SharedStack,
)

pytestmark = pytest.mark.stack

ORDER = "ORD-10002"  # binh.tran's, processing
ASK = "đơn ORD-10002 của mình đang ở đâu, sđt 0903 111 222"
BINH_ZNS_PHONE = "84903111222"
OFFER = "cập nhật về đơn ORD-10002"
CONFIRMED = "mình sẽ nhắn cập nhật về đơn ORD-10002"


def report(stack: Stack, event: dict[str, Any]) -> None:
    http = stack.backoffice.session()
    answer = http.post(
        f"{stack.backoffice.base_url}/api/v1/orders/{ORDER}/events", json=event, timeout=10
    )
    assert answer.status_code == 200, answer.text


def outbox_rows(stack: Stack, conversation: str) -> list[dict[str, Any]]:
    with stack.backoffice.engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT state, attempts, last_error FROM order_events_outbox "
                "WHERE conversation_id = :c ORDER BY id"
            ),
            {"c": conversation},
        ).mappings()
        return [dict(row) for row in rows]


def wait_outcome(stack: Stack, conversation: str, count: int, timeout: float = 20) -> list[dict]:
    """The conversation's outbox rows once `count` of them are no longer open."""
    deadline = time.monotonic() + timeout
    while True:
        rows = outbox_rows(stack, conversation)
        done = [r for r in rows if r["state"] not in ("pending", "deferred")]
        if len(done) >= count:
            return rows
        assert time.monotonic() < deadline, f"{conversation}: {rows}"
        time.sleep(0.2)


def rasa_events(stack: Stack, conversation: str, method: str, events: list[dict]) -> None:
    answer = requests.request(
        method,
        stack.rasa.url(f"/conversations/{conversation}/tracker/events"),
        params={"token": stack.token},
        json=events,
        timeout=30,
    )
    assert answer.status_code == 200, answer.text


def age(stack: Stack, conversation: str, hours: float) -> None:
    """The conversation's whole past moved `hours` back: the customer last wrote then."""
    events = stack.tracker(conversation)["events"]
    shift = hours * 3600
    rasa_events(
        stack,
        conversation,
        "PUT",
        [{**e, "timestamp": e["timestamp"] - shift} if "timestamp" in e else e for e in events],
    )


def fill_zalo_window(stack: Stack, conversation: str) -> None:
    """Bot messages up to Zalo's 8 since the customer's last message (the OA spoke 8 times)."""
    events = stack.tracker(conversation)["events"]
    last_user = max(i for i, e in enumerate(events) if e["event"] == "user")
    said = sum(1 for e in events[last_user:] if e["event"] == "bot")
    now = time.time()
    extra = [{"event": "bot", "text": "…", "timestamp": now} for _ in range(8 - said)]
    rasa_events(stack, conversation, "POST", extra)


# -- Telegram ----------------------------------------------------------------------------------


def telegram_subscriber(shared: SharedStack) -> TelegramUser:
    stack = shared.stack
    user = TelegramUser(
        stack.rasa.url("/webhooks/telegram/webhook"),
        shared.telegram,
        random.randint(10**8, 10**9),
        secret_token=TELEGRAM_SECRET,
        wait_turn=stack.wait_turn,
    )
    replies = user.say(ASK)
    assert OFFER in replies[-1]["text"], replies
    assert [b["callback_data"] for b in inline_buttons(replies[-1])] == ["/affirm", "/deny"]
    [confirmed] = user.press("/affirm")
    assert CONFIRMED in confirmed["text"]
    return user


def chat_calls(shared: SharedStack, user: TelegramUser) -> list[Any]:
    return [
        c
        for c in shared.telegram.calls_of("sendMessage")
        if str(c.params.get("chat_id")) == str(user.chat_id)
    ]


def test_telegram_updates_arrive_in_order(shared_stack: SharedStack) -> None:
    stack = shared_stack.stack
    stack.reset()
    user = telegram_subscriber(shared_stack)
    report(stack, {"type": "packed", "event_id": "tg-packed"})
    report(stack, {"type": "shipped", "event_id": "tg-shipped", "carrier": "GHTK",
                   "tracking_number": "GHTK555000111VN"})  # fmt: skip
    packed, shipped = user.expect(2, timeout=20)
    assert "ORD-10002" in packed["text"] and "đóng gói" in packed["text"]
    assert "GHTK555000111VN" in shipped["text"]
    assert [r["state"] for r in wait_outcome(stack, user.conversation_id, 2)] == ["sent"] * 2


def test_telegram_429_is_retried_and_the_update_delivered(shared_stack: SharedStack) -> None:
    stack = shared_stack.stack
    stack.reset()
    user = telegram_subscriber(shared_stack)
    # Three 429s: the channel waits retry_after twice, then gives up; the back office defers
    # the update by retry_after and the next try gets through.
    shared_stack.telegram.flood(user.chat_id, times=3, retry_after=1)
    report(stack, {"type": "packed", "event_id": "tg-flood"})
    [packed] = user.expect(1, timeout=30)
    assert "ORD-10002" in packed["text"]
    [row] = wait_outcome(stack, user.conversation_id, 1)
    # The deferral used up no attempt (a platform's "not now" is not a failure).
    assert (row["state"], row["attempts"]) == ("sent", 1)
    assert [c.status for c in chat_calls(shared_stack, user)].count(429) == 3


# -- Messenger ---------------------------------------------------------------------------------


def messenger_subscriber(shared: SharedStack) -> MessengerUser:
    stack = shared.stack
    user = MessengerUser(
        stack.rasa.url("/webhooks/facebook/webhook"),
        shared.graph,
        str(random.randint(10**15, 10**16)),
        wait_turn=stack.wait_turn,
    )
    replies = user.say(ASK)
    assert OFFER in text_of(replies[-1]), replies
    yes = next(c for c in choices(replies[-1]) if c[1] == "/affirm")
    [confirmed] = user.tap_quick_reply(*yes)
    assert CONFIRMED in text_of(confirmed)
    return user


def test_messenger_inside_the_24_hours_is_a_normal_message(shared_stack: SharedStack) -> None:
    stack = shared_stack.stack
    stack.reset()
    user = messenger_subscriber(shared_stack)
    report(stack, {"type": "packed", "event_id": "fb-inside"})
    [packed] = user.expect(1, timeout=20)
    assert "ORD-10002" in text_of(packed) and "đóng gói" in text_of(packed)
    assert packed["messaging_type"] == "UPDATE"
    assert [r["state"] for r in wait_outcome(stack, user.conversation_id, 1)] == ["sent"]


def test_messenger_outside_the_24_hours_without_a_template_is_not_sent(
    shared_stack: SharedStack,
) -> None:
    stack = shared_stack.stack
    stack.reset()
    user = messenger_subscriber(shared_stack)
    age(stack, user.conversation_id, hours=25)
    report(stack, {"type": "packed", "event_id": "fb-outside"})
    [row] = wait_outcome(stack, user.conversation_id, 1)
    assert row["state"] == "not_allowed"
    assert row["last_error"] == "outside the 24-hour window, no template configured"
    assert user.silence(2) == []


# -- Zalo --------------------------------------------------------------------------------------


class ZaloSubscriber:
    def __init__(self, shared: SharedStack) -> None:
        self.api = shared.zalo
        self.webhook = ZaloWebhook(
            shared.stack.rasa.url("/webhooks/zalo/webhook"), ZALO_APP_ID, ZALO_SECRET_KEY
        )
        self.user_id = new_user_id()
        self.conversation_id = f"zalo:{self.user_id}"
        self.say(ASK, OFFER)
        self.say("/affirm", CONFIRMED)  # what Zalo posts for the offer's "yes" button

    def texts(self) -> list[str]:
        return [m.text for m in self.api.messages_for(self.user_id)]

    def say(self, words: str, expect: str) -> None:
        before = len(self.texts())
        assert self.webhook.say(self.user_id, words).status_code == 200
        deadline = time.monotonic() + 60
        while not any(expect in t for t in self.texts()[before:]):
            assert time.monotonic() < deadline, self.texts()[before:]
            time.sleep(0.1)
        time.sleep(1.0)  # the rest of the turn


def test_zalo_inside_the_48_hours_is_a_consultation_message(shared_stack: SharedStack) -> None:
    stack = shared_stack.stack
    stack.reset()
    user = ZaloSubscriber(shared_stack)
    before = len(user.texts())
    report(stack, {"type": "packed", "event_id": "zalo-inside"})
    assert [r["state"] for r in wait_outcome(stack, user.conversation_id, 1)] == ["sent"]
    [packed] = user.texts()[before:]
    assert "ORD-10002" in packed and "đóng gói" in packed


def test_zalo_outside_the_window_or_past_8_messages_without_zns_is_not_sent(
    shared_stack: SharedStack,
) -> None:
    stack = shared_stack.stack
    stack.reset()
    full = ZaloSubscriber(shared_stack)
    fill_zalo_window(stack, full.conversation_id)
    closed = ZaloSubscriber(shared_stack)
    age(stack, closed.conversation_id, hours=49)
    said = {u.conversation_id: len(u.texts()) for u in (full, closed)}
    report(stack, {"type": "packed", "event_id": "zalo-no-zns"})
    [ninth] = wait_outcome(stack, full.conversation_id, 1)
    assert ninth["state"] == "not_allowed"
    assert ninth["last_error"].startswith("8 consultation messages in this 48-hour window")
    [outside] = wait_outcome(stack, closed.conversation_id, 1)
    assert outside["state"] == "not_allowed"
    assert outside["last_error"] == "outside the 48-hour window, no ZNS template configured"
    assert {u.conversation_id: len(u.texts()) for u in (full, closed)} == said


# -- with the platforms' templates configured (the back office restarted with them) ------------


@pytest.fixture(scope="module")
def templates(shared_stack: SharedStack) -> Iterator[FakeZns]:
    """The back office with a Messenger utility template and a ZNS template configured, for
    the rest of this module; as it was afterwards."""
    stack = shared_stack.stack
    configured = {
        "FACEBOOK_PAGE_ACCESS_TOKEN": PAGE_ACCESS_TOKEN,
        "FACEBOOK_GRAPH_API_URL": shared_stack.graph.base_url,
        "MESSENGER_UPDATE_TEMPLATE": UTILITY_TEMPLATE,
        "MESSENGER_UPDATE_TEMPLATE_LANGUAGE": "vi_VN",
        "MESSENGER_UPDATE_TEMPLATE_PARAMETERS": "order=order_id,status=status",
        "ZALO_OA_ACCESS_TOKEN": ZALO_ACCESS_TOKEN,
        "ZALO_ZNS_TEMPLATE_ID": ZNS_TEMPLATE_ID,
        "ZALO_ZNS_TEMPLATE_DATA": "order_code=order_id,status=status",
    }
    with fake_zns(ZALO_ACCESS_TOKEN) as zns:
        before = dict(stack.backoffice_env)
        stack.backoffice_env.update(configured, ZALO_ZNS_API_URL=zns.base_url)
        stack.restart_backoffice()
        try:
            yield zns
        finally:
            stack.backoffice_env.clear()
            stack.backoffice_env.update(before)
            stack.restart_backoffice()


def test_messenger_outside_the_24_hours_sends_the_utility_template(
    shared_stack: SharedStack, templates: FakeZns
) -> None:
    stack = shared_stack.stack
    stack.reset()
    user = messenger_subscriber(shared_stack)
    age(stack, user.conversation_id, hours=30)
    report(stack, {"type": "packed", "event_id": "fb-template"})
    [body] = user.expect(1, timeout=20)
    assert body["messaging_type"] == "UTILITY"
    payload = body["message"]["attachment"]["payload"]
    assert (payload["template_type"], payload["name"], payload["language"]) == (
        "utility", UTILITY_TEMPLATE, "vi_VN",
    )  # fmt: skip
    assert payload["components"][0]["parameters"] == [
        {"type": "text", "text": "ORD-10002"},
        {"type": "text", "text": "processing"},
    ]
    assert [r["state"] for r in wait_outcome(stack, user.conversation_id, 1)] == ["sent"]


def test_zalo_outside_the_window_goes_through_zns_to_the_orders_phone(
    shared_stack: SharedStack, templates: FakeZns
) -> None:
    stack = shared_stack.stack
    stack.reset()
    user = ZaloSubscriber(shared_stack)
    age(stack, user.conversation_id, hours=49)
    said = len(user.texts())
    report(stack, {"type": "packed", "event_id": "zalo-zns"})
    [body] = templates.wait_sent_to(BINH_ZNS_PHONE, 1)
    assert body["template_id"] == ZNS_TEMPLATE_ID
    assert body["template_data"] == {"order_code": "ORD-10002", "status": "processing"}
    assert body["tracking_id"]
    assert [r["state"] for r in wait_outcome(stack, user.conversation_id, 1)] == ["sent"]
    assert len(user.texts()) == said  # no consultation message
