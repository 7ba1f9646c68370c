"""The Zalo channel on the real stack (back office, action server, Rasa with the trained model),
with a local fake of Zalo's OA API: signed documented webhook events in, the bot's messages
recorded where Zalo would deliver them.

Covers a new follower's welcome, order conversations in Vietnamese (without diacritics) and in
English, a whole hand-off with an agent on the helpdesk API (the agent's replies are pushed to
Zalo outside the customer's turn), and the webhook's refusals: bad signatures, malformed bodies,
redeliveries, non-text events.
"""

from __future__ import annotations

import threading
import time

import pytest
import requests

from channels.attachments import photo_not_received
from channels.senders import conversation_id
from channels.zalo.render import TEXT_ONLY_NOTICE
from devstack.stack import Stack, is_clarifying
from tests.support.fake_zalo import (
    Delivered,
    FakeZaloApi,
    ZaloWebhook,
    new_user_id,
)
from tests.support.helpdesk import AgentClient, login_agent
from tests.support.shared_stack import (
    ZALO_ACCESS_TOKEN,
    ZALO_APP_ID,
    ZALO_SECRET_KEY,
    SharedStack,
)

pytestmark = pytest.mark.stack

APP_ID = ZALO_APP_ID
SECRET_KEY = ZALO_SECRET_KEY
ACCESS_TOKEN = ZALO_ACCESS_TOKEN


@pytest.fixture(scope="module")
def zalo_api(shared_stack: SharedStack) -> FakeZaloApi:
    return shared_stack.zalo


@pytest.fixture(scope="module")
def webhook(stack):
    return ZaloWebhook(stack.rasa.url("/webhooks/zalo/webhook"), APP_ID, SECRET_KEY)


class ZaloCustomer:
    """One Zalo user writing to the OA; reads what the OA API delivered to them."""

    def __init__(self, webhook: ZaloWebhook, api: FakeZaloApi) -> None:
        self.user_id = new_user_id()
        self.conversation_id = zalo_conversation(self.user_id)
        self.webhook = webhook
        self.api = api
        self.read = 0

    def say(self, text: str) -> None:
        self.webhook.say(self.user_id, text)

    def reply(self, at_least: int = 1, quiet: float = 1.5, timeout: float = 60) -> list[Delivered]:
        """Messages delivered since the last read: at least `at_least`, then until `quiet`."""
        self.api.wait_for(self.user_id, self.read + at_least, timeout)
        count = len(self.api.messages_for(self.user_id))
        while True:
            time.sleep(quiet)
            now = len(self.api.messages_for(self.user_id))
            if now == count:
                break
            count = now
        new = self.api.messages_for(self.user_id)[self.read :]
        self.read += len(new)
        return new

    def text(self, at_least: int = 1) -> str:
        return "\n".join(m.text for m in self.reply(at_least))

    def say_sure(self, text: str) -> str:
        """Says `text`; when the assistant, unsure, asks "did you mean ...?", clicks yes."""
        self.say(text)
        got = self.reply()
        buttons = [b["payload"] for m in got for b in m.buttons]
        if is_clarifying("\n".join(m.text for m in got)) and buttons:
            self.say(buttons[0])  # what Zalo posts when an oa.query.hide button is clicked
            got = self.reply()
        return "\n".join(m.text for m in got)

    def silence(self, seconds: float = 3) -> list[str]:
        time.sleep(seconds)
        return [m.text for m in self.api.messages_for(self.user_id)[self.read :]]


def zalo_conversation(user_id: str) -> str:
    return conversation_id("zalo", user_id)  # zalo:<user id>


def user_events(stack: Stack, user_id: str) -> list[dict]:
    return [e for e in stack.tracker(zalo_conversation(user_id))["events"] if e["event"] == "user"]


def agent_login(stack: Stack, username: str) -> AgentClient:
    return login_agent(stack.backoffice.base_url, username)


# -- conversations ----------------------------------------------------------------------------


def test_health_endpoints_answer(stack):
    for path in ("/webhooks/zalo/", "/webhooks/zalo/webhook"):
        response = requests.get(stack.rasa.url(path), timeout=10)
        assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_a_new_follower_is_welcomed_and_can_pick_from_the_menu(stack, webhook, zalo_api):
    customer = ZaloCustomer(webhook, zalo_api)
    response = webhook.post(webhook.follow_event(customer.user_id))
    assert response.status_code == 200
    welcome = customer.text(at_least=2)
    assert "Xin chào" in welcome  # Vietnamese by default: a Vietnamese OA
    assert "1. Tra cứu đơn hàng" in welcome  # the six-button menu, numbered
    [event] = user_events(stack, customer.user_id)
    assert event["input_channel"] == "zalo" and event["metadata"]["zalo"]["event"] == "follow"
    customer.say("1")  # picks "Tra cứu đơn hàng" (/track_order)
    assert "mã đơn hàng" in customer.text()
    assert user_events(stack, customer.user_id)[-1]["text"] == "/track_order"


def test_order_conversation_in_vietnamese_without_diacritics(stack, webhook, zalo_api):
    customer = ZaloCustomer(webhook, zalo_api)
    assert "mã đơn hàng" in customer.say_sure("don hang cua toi dang o dau")
    customer.say("ORD-10001")
    assert "email hoặc số điện thoại" in customer.text()
    customer.say("an.nguyen@example.com")
    answer = customer.text()
    assert "đang được giao" in answer and "GHN123456789VN" in answer
    tracker = stack.tracker(customer.conversation_id)
    assert tracker["slots"]["language"] == "vi" and tracker["slots"]["order_id"] == "ORD-10001"
    last = user_events(stack, customer.user_id)[-1]
    assert last["input_channel"] == "zalo"
    assert last["metadata"]["zalo"]["event"] == "user_send_text"
    assert last["metadata"]["zalo"]["msg_id"] == last["message_id"]


def test_order_conversation_in_english(stack, webhook, zalo_api):
    customer = ZaloCustomer(webhook, zalo_api)
    assert "order number" in customer.say_sure("where is my order?")
    customer.say("it's ORD-10001")
    assert "email address or phone number" in customer.text()
    customer.say("an.nguyen@example.com")
    answer = customer.text()
    assert "on its way" in answer and "GHN123456789VN" in answer
    assert stack.tracker(customer.conversation_id)["slots"]["language"] == "en"


def test_full_handoff_in_vietnamese_with_an_agent_on_the_helpdesk(stack, webhook, zalo_api):
    customer = ZaloCustomer(webhook, zalo_api)
    handed_over = customer.say_sure("toi muon gap nhan vien, toi bi tru tien hai lan")
    slots = stack.tracker(customer.conversation_id)["slots"]
    assert slots["department"] == "billing" and slots["handoff_state"] == "waiting"
    assert slots["ticket_id"] in handed_over and "bộ phận" in handed_over

    billing = agent_login(stack, "billing")
    conversation = billing.conversation(customer.conversation_id).json()
    assert conversation["handoff"]["channel"] == "zalo"
    assert billing.conversation(customer.conversation_id, "claim").status_code in (200, 201)
    assert "đã tham gia" in customer.text()  # pushed by an external event, not a user turn

    # While the agent owns the conversation the bot is silent; the agent gets the text.
    customer.say("alo, ban con do khong")
    assert customer.silence(3) == []
    transcript = billing.conversation(customer.conversation_id).json()["transcript"]
    assert [t["text"] for t in transcript if t["role"] == "customer"][-1] == (
        "alo, ban con do khong"
    )

    for text in ("Chào bạn, mình đang kiểm tra giao dịch.", "Mình đã hoàn một khoản."):
        reply = billing.conversation(customer.conversation_id, "reply", json={"text": text})
        assert reply.status_code in (200, 201, 202), reply.text
    assert [m.text for m in customer.reply(at_least=2)] == [
        "Chào bạn, mình đang kiểm tra giao dịch.",
        "Mình đã hoàn một khoản.",
    ]

    assert billing.conversation(customer.conversation_id, "resolve").status_code in (200, 201)
    closing = customer.text(at_least=2)
    assert "kết thúc" in closing and "5. 5" in closing  # CSAT 1-5: five options, numbered
    customer.say("5")
    assert "Cảm ơn bạn đã đánh giá" in customer.text()
    slots = stack.tracker(customer.conversation_id)["slots"]
    assert slots["handoff_state"] == "bot"
    tickets = billing.call("GET", "/tickets", params={"q": slots["ticket_id"]}).json()["tickets"]
    assert tickets[0]["csat_score"] == 5


def test_agent_reply_reaches_an_english_customer(stack, webhook, zalo_api):
    customer = ZaloCustomer(webhook, zalo_api)
    customer.say_sure("I want to talk to someone, I was charged twice for my order")
    assert stack.tracker(customer.conversation_id)["slots"]["department"] == "billing"
    agent = agent_login(stack, "billing")
    agent.conversation(customer.conversation_id, "claim")
    assert "joined" in customer.text()
    agent.conversation(customer.conversation_id, "reply", json={"text": "Hi, I'm on it."})
    assert [m.text for m in customer.reply()] == ["Hi, I'm on it."]
    agent.conversation(customer.conversation_id, "resolve")
    assert "closed" in customer.text(at_least=2)


# -- the webhook's boundary -------------------------------------------------------------------


def assert_nothing_happened(stack: Stack, api: FakeZaloApi, user_id: str, before: int) -> None:
    time.sleep(2)
    assert len(api.delivered) == before, [d.message for d in api.delivered[before:]]
    assert api.messages_for(user_id) == []
    assert user_events(stack, user_id) == []


def test_bad_signatures_are_rejected_and_nothing_is_delivered(stack, webhook, zalo_api):
    user = new_user_id()
    before = len(zalo_api.delivered)
    event = webhook.text_event(user, "hello")
    raw = webhook.encode(event)
    assert webhook.post_raw(raw, None).status_code == 401
    assert webhook.post_raw(raw, "mac=" + "0" * 64).status_code == 401
    wrong_secret = webhook.sign(raw, event["timestamp"], secret_key="not-the-oa-secret")
    assert webhook.post_raw(raw, wrong_secret).status_code == 401
    tampered = raw.replace(b"hello", b"hellO")
    assert webhook.post_raw(tampered, webhook.sign(raw, event["timestamp"])).status_code == 401
    other_app = {**event, "app_id": "1111111111"}
    assert webhook.post(other_app).status_code == 403
    assert_nothing_happened(stack, zalo_api, user, before)


def test_malformed_bodies_get_a_4xx_and_nothing_is_delivered(stack, webhook, zalo_api):
    user = new_user_id()
    before = len(zalo_api.delivered)
    some_signature = "mac=" + "0" * 64
    for raw in (b"", b"not json", b"[]", b'{"event_name": "user_send_text"}'):
        assert webhook.post_raw(raw, some_signature).status_code == 400, raw
    no_text = webhook.text_event(user, "hi")
    del no_text["message"]["text"]
    no_msg_id = webhook.text_event(user, "hi")
    del no_msg_id["message"]["msg_id"]
    no_sender = webhook.text_event(user, "hi")
    del no_sender["sender"]
    not_an_object = {**webhook.text_event(user, "hi"), "message": "hi"}
    for event in (no_text, no_msg_id, no_sender, not_an_object):
        response = webhook.post(event)  # correctly signed, but not a valid event
        assert response.status_code == 400, response.text
    huge = {**webhook.text_event(user, "hi"), "padding": "x" * 70_000}
    assert webhook.post(huge).status_code == 413
    assert_nothing_happened(stack, zalo_api, user, before)


def test_a_redelivered_event_is_processed_once(stack, webhook, zalo_api):
    customer = ZaloCustomer(webhook, zalo_api)
    event = webhook.text_event(customer.user_id, "phuong thuc thanh toan nao duoc chap nhan")
    raw = webhook.encode(event)
    signature = webhook.sign(raw, event["timestamp"])
    statuses: list[dict] = []
    threads = [
        threading.Thread(target=lambda: statuses.append(webhook.post_raw(raw, signature).json()))
        for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(s["status"] for s in statuses) == ["accepted", "duplicate", "duplicate"]
    replies = customer.reply()
    assert webhook.post_raw(raw, signature).json() == {"status": "duplicate"}  # Zalo's retry
    assert customer.silence(2) == []
    [event_in_tracker] = user_events(stack, customer.user_id)
    assert event_in_tracker["message_id"] == event["message"]["msg_id"]
    events = stack.tracker(customer.conversation_id)["events"]
    bot_events = [e for e in events if e["event"] == "bot"]
    assert len(replies) == len(bot_events)


def test_an_image_that_cannot_be_fetched_is_told_and_is_not_a_user_message(
    stack, webhook, zalo_api
):
    customer = ZaloCustomer(webhook, zalo_api)
    gone = zalo_api.base_url + "/files/missing.jpg"
    assert webhook.post(webhook.image_event(customer.user_id, gone)).status_code == 200
    assert [m.text for m in customer.reply()] == [photo_not_received()]
    assert user_events(stack, customer.user_id) == []


def test_other_media_get_the_text_only_notice(stack, webhook, zalo_api):
    customer = ZaloCustomer(webhook, zalo_api)
    sticker = webhook.image_event(customer.user_id)
    sticker["event_name"] = "user_send_sticker"
    assert webhook.post(sticker).status_code == 200
    assert [m.text for m in customer.reply()] == [TEXT_ONLY_NOTICE]
    assert user_events(stack, customer.user_id) == []


def test_unfollow_is_acknowledged_and_nothing_is_sent(stack, webhook, zalo_api):
    user = new_user_id()
    before = len(zalo_api.delivered)
    assert webhook.post(webhook.follow_event(user, "unfollow")).status_code == 200
    assert_nothing_happened(stack, zalo_api, user, before)


def test_zalo_api_errors_do_not_break_the_conversation(stack, webhook, zalo_api):
    customer = ZaloCustomer(webhook, zalo_api)
    zalo_api.fail_next(customer.user_id, -32)  # rate limited once: retried, delivered once
    customer.say("xin chao")
    greeting = customer.reply(at_least=2)
    assert (customer.user_id, -32) in zalo_api.refused
    assert "Xin chào" in greeting[0].text
    zalo_api.fail_next(customer.user_id, -230)  # reply window closed for one message
    customer.say("phi ship ra Da Nang bao nhieu")
    customer.silence(3)
    assert (customer.user_id, -230) in zalo_api.refused
    customer.read = len(zalo_api.messages_for(customer.user_id))
    customer.say("cam on")
    assert customer.reply()  # the channel still works for this user
