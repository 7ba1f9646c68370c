"""The Messenger channel on the real stack (credentials composed from the environment) against
a local fake Graph API: Meta's verification, a whole conversation, a hand-off with an agent, and
refused webhook requests. Its parts alone are in tests/channels/messenger/."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from devstack.stack import Stack, is_clarifying
from tests.support.fake_graph_api import (
    VERIFY_TOKEN,
    FakeGraphApi,
    MessengerUser,
    choices,
    message_event,
    notification,
    sign,
    text_of,
)
from tests.support.helpdesk import AgentClient, login_agent
from tests.support.shared_stack import SharedStack


def raw(value: Any) -> bytes:
    return json.dumps(value).encode()


@dataclass
class Setup:
    stack: Stack
    graph: FakeGraphApi
    webhook_url: str

    def user(self) -> MessengerUser:
        psid = str(random.randint(10**15, 10**16))
        return MessengerUser(self.webhook_url, self.graph, psid, wait_turn=self.stack.wait_turn)

    def agent(self, username: str) -> AgentClient:
        return login_agent(self.stack.backoffice.base_url, username)

    def user_turns(self, user: MessengerUser) -> list[str]:
        events = self.stack.tracker(user.conversation_id)["events"]
        return [e.get("text") for e in events if e["event"] == "user"]


@pytest.fixture(scope="module")
def setup(shared_stack: SharedStack) -> Setup:
    stack = shared_stack.stack
    return Setup(stack, shared_stack.graph, stack.rasa.url("/webhooks/facebook/webhook"))


def texts(bodies: list[dict[str, Any]]) -> str:
    return "\n".join(text_of(b) for b in bodies)


def sure(user: MessengerUser, text: str) -> list[dict[str, Any]]:
    """Say `text`; when the assistant, unsure, asks "did you mean ...?", tap its "yes"."""
    replies = user.say(text)
    offered = [c for b in replies for c in choices(b)]
    if is_clarifying(texts(replies)) and offered:
        return user.tap_button(*offered[0])
    return replies


@pytest.mark.stack
def test_meta_webhook_verification(setup):
    url = setup.webhook_url
    params = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158"}
    ok = requests.get(url, params=params, timeout=10)
    assert (ok.status_code, ok.text) == (200, "1158")
    wrong = requests.get(url, params={**params, "hub.verify_token": "nope"}, timeout=10)
    assert wrong.status_code == 403 and "1158" not in wrong.text


@pytest.mark.stack
def test_a_whole_conversation_with_quick_replies_and_buttons(setup):
    user = setup.user()
    greeting, menu = user.say("hello there, good morning")
    assert "Mây Store" in text_of(greeting)  # the brand of knowledge/store.yml
    assert "quick_replies" in menu["message"]  # six choices: more than a template's three
    assert [payload for _, payload in choices(menu)][:2] == ["/track_order", "/check_refund_policy"]
    assert all(len(title) <= 20 for title, _ in choices(menu))
    assert setup.graph.sender_actions(user.psid)[:2] == ["mark_seen", "typing_on"]

    assert "3-6 ngày" in texts(sure(user, "giao hàng mất bao lâu vậy shop?"))
    assert "3-6 days" in texts(sure(user, "how long does delivery take to Da Nang?"))

    assert "ORD-10001" in texts(user.tap_quick_reply("Track my order", "/track_order"))
    assert "email" in texts(user.say("ORD-10001"))
    assert "GHN123456789VN" in texts(user.say("an.nguyen@example.com"))

    asked = user.say("please cancel ORD-10001")  # shipped: the way forward is a return
    offered = [payload for b in asked for _, payload in choices(b)]
    assert "/get_refund" in offered
    template = next(b for b in asked if choices(b))
    assert template["message"]["attachment"]["payload"]["template_type"] == "button"

    tracker = setup.stack.tracker(user.conversation_id)  # facebook:<psid>
    assert tracker["latest_input_channel"] == "facebook"
    assert tracker["slots"]["order_id"] == "ORD-10001"
    assert {m["messaging_type"] for m in setup.graph.messages(user.psid)} == {"RESPONSE"}
    assert setup.graph.refused() == []


@pytest.mark.stack
def test_handoff_agent_replies_reach_messenger_and_the_rating_is_stored(setup):
    user = setup.user()
    [routed] = user.say("I want to talk to someone, I was charged twice")
    assert "billing" in text_of(routed).lower()
    slots = setup.stack.tracker(user.conversation_id)["slots"]
    assert slots["department"] == "billing" and slots["ticket_id"].startswith("TCK-")

    billing = setup.agent("billing")
    assert billing.conversation(user.conversation_id, "claim").status_code == 200
    [joined] = user.expect(1)  # pushed by the outbox through trigger_intent
    assert "joined" in text_of(joined) and joined["messaging_type"] == "UPDATE"

    assert user.say("hello? are you there") == []  # the bot stays silent
    assert user.silence(2) == []
    transcript = billing.conversation(user.conversation_id).json()["transcript"]
    assert [t["text"] for t in transcript if t["role"] == "customer"][-1] == "hello? are you there"

    long_reply = ("I can see two charges of 1,990,000 VND on your card. " * 40)[:2000]
    for text in ("Hi, I'm looking at your payment now.", long_reply):
        assert billing.conversation(user.conversation_id, "reply", json={"text": text}).ok
    first, second = user.expect(2)
    assert text_of(first) == "Hi, I'm looking at your payment now."
    assert text_of(second) == long_reply.strip()

    assert billing.conversation(user.conversation_id, "resolve").ok
    closed, rating = user.expect(2)
    assert "closed" in text_of(closed) and "satisfied" in text_of(rating)
    assert [title for title, _ in choices(rating)] == ["1", "2", "3", "4", "5"]
    thanks = user.tap_quick_reply("5", choices(rating)[4][1])
    assert "Thank you for your rating" in texts(thanks)
    tickets = billing.call("GET", f"/tickets?q={slots['ticket_id']}").json()["tickets"]
    assert tickets[0]["csat_score"] == 5
    assert setup.graph.refused() == []


@pytest.mark.stack
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Hub-Signature-256": "sha256=" + "0" * 64},
        {"X-Hub-Signature": "sha1=" + "0" * 40},
        "signed with another secret",
    ],
)
def test_bad_signatures_are_refused(setup, headers):
    user = setup.user()
    body = raw(notification(message_event(user.psid, "hello")))
    if isinstance(headers, str):
        headers = sign(body, "another-secret")
    assert user.post(body, headers=headers).status_code == 403
    assert user.silence(1) == []
    assert setup.graph.sent(user.psid) == []  # not even "mark_seen"
    assert setup.user_turns(user) == []


@pytest.mark.stack
def test_malformed_bodies_get_400_and_reach_nobody(setup):
    user = setup.user()
    calls_before = len(setup.graph.calls)
    bad = [
        b"{not json",
        raw([]),
        raw({"object": "page"}),
        raw({"object": "page", "entry": [{"messaging": [{"message": {"text": "hi"}}]}]}),
        raw(notification(message_event(user.psid, "hi"), {"sender": {"id": 3}})),
    ]
    for body in bad:
        assert user.post(body).status_code == 400, body  # correctly signed, badly formed
    assert user.silence(1) == []
    assert len(setup.graph.calls) == calls_before
    assert setup.user_turns(user) == []
    assert requests.get(setup.stack.rasa.url("/"), timeout=5).ok


@pytest.mark.stack
def test_a_redelivered_notification_is_answered_at_once_and_handled_once(setup):
    user = setup.user()
    event = message_event(user.psid, "phương thức thanh toán nào được chấp nhận")
    body = raw(notification(event))
    first = user.post(body)
    assert (first.status_code, first.text) == (200, "EVENT_RECEIVED")
    for _ in range(2):  # Meta's retries
        assert user.post(body).status_code == 200
    setup.stack.wait_turn(user.conversation_id, event["message"]["mid"])
    assert user.unread()
    assert user.silence(2) == []
    assert setup.user_turns(user) == ["phương thức thanh toán nào được chấp nhận"]
