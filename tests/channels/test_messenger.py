"""The Messenger channel against a local fake Graph API: unit checks of signatures, parsing and
limits, then the real stack (credentials composed from the environment) for a whole
conversation, a hand-off with an agent, and refused webhook requests."""

from __future__ import annotations

import asyncio
import json
import random
import traceback
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from channels.messenger import (
    MalformedEvent,
    MessengerInput,
    parse_notification,
    valid_signature,
)
from tests.support.fake_graph_api import (
    APP_SECRET,
    PAGE_ACCESS_TOKEN,
    VERIFY_TOKEN,
    FakeGraphApi,
    MessengerUser,
    choices,
    fake_graph_api,
    message_event,
    notification,
    postback_event,
    sign,
    text_of,
)
from tests.support.helpdesk import AgentClient, login_agent
from tests.support.shared_stack import SharedStack
from tests.support.stack import Stack, is_clarifying

# -- signatures and parsing (no server) -------------------------------------------------------


def raw(value: Any) -> bytes:
    return json.dumps(value).encode()


def test_sha256_and_sha1_signatures_are_accepted_anything_else_refused():
    body = raw(notification(message_event("1", "hi")))
    headers = sign(body)
    assert valid_signature(APP_SECRET, body, headers)
    assert valid_signature(APP_SECRET, body, {"X-Hub-Signature": headers["X-Hub-Signature"]})
    assert valid_signature(
        APP_SECRET, body, {"X-Hub-Signature-256": headers["X-Hub-Signature-256"]}
    )
    assert not valid_signature("another-secret", body, headers)
    assert not valid_signature(APP_SECRET, body + b" ", headers)
    assert not valid_signature(APP_SECRET, body, {})
    md5 = "md5=" + "0" * 32
    assert not valid_signature(APP_SECRET, body, {"X-Hub-Signature": md5})
    # a good sha1 does not rescue a wrong sha256: the stronger header decides
    wrong = {
        "X-Hub-Signature-256": "sha256=" + "0" * 64,
        "X-Hub-Signature": headers["X-Hub-Signature"],
    }
    assert not valid_signature(APP_SECRET, body, wrong)


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


# -- the output channel against the fake Graph API (no Rasa server) ----------------------------


def channel_on(graph: FakeGraphApi) -> MessengerInput:
    return MessengerInput(VERIFY_TOKEN, APP_SECRET, PAGE_ACCESS_TOKEN, graph_api_url=graph.base_url)


def buttons(count: int, title: str = "Option") -> list[dict[str, str]]:
    return [{"title": f"{title} {n}", "payload": f"/choice{n}"} for n in range(count)]


def test_buttons_become_a_template_or_quick_replies_within_messenger_limits():
    with fake_graph_api() as graph:
        out = channel_on(graph).get_output_channel()

        async def send() -> None:
            await out.send_text_with_buttons("77", "Pick one", buttons(3))
            await out.send_text_with_buttons("77", "Pick one", buttons(6))
            await out.send_text_with_buttons("77", "Pick one", buttons(15))
            await out.send_text_with_buttons("77", "Pick", buttons(2, "A very long title indeed"))

        asyncio.run(send())
        assert graph.refused() == []
        template, six, many, long_titles = graph.messages("77")
        assert template["message"]["attachment"]["payload"]["template_type"] == "button"
        assert choices(template) == [(f"Option {n}", f"/choice{n}") for n in range(3)]
        assert choices(six) == [(f"Option {n}", f"/choice{n}") for n in range(6)]
        assert text_of(six) == "Pick one" and "quick_replies" in six["message"]
        assert len(choices(many)) == 13
        assert [len(title) for title, _ in choices(long_titles)] == [20, 20]
        # pushed outside a customer's turn (external events): not a "RESPONSE"
        assert {m["messaging_type"] for m in graph.messages("77")} == {"UPDATE"}
        proofs = {c.params.get("appsecret_proof") for c in graph.calls}
        assert len(proofs) == 1 and None not in proofs


def test_long_texts_are_split_at_2000_characters():
    with fake_graph_api() as graph:
        out = channel_on(graph).get_output_channel()
        text = ("Giao hàng 1-2 ngày nội thành. " * 100).strip()  # about 3000 characters
        asyncio.run(out.send_text_message("88", text))
        sent = [text_of(m) for m in graph.messages("88")]
        assert len(sent) == 2 and all(len(part) <= 2000 for part in sent)
        assert " ".join(sent).split() == text.split()


def test_replies_reach_the_psid_of_a_conversation_named_facebook_or_from_before_the_prefix():
    with fake_graph_api() as graph:
        out = channel_on(graph).get_output_channel()
        asyncio.run(out.send_response("facebook:1234567890123456", {"text": "to the new id"}))
        asyncio.run(out.send_response("1234567890123457", {"text": "to an older one"}))
        assert [text_of(b) for b in graph.messages("1234567890123456")] == ["to the new id"]
        assert [text_of(b) for b in graph.messages("1234567890123457")] == ["to an older one"]


def test_a_refusal_by_the_send_api_is_raised_not_ignored():
    with fake_graph_api(page_access_token="another-page-token") as graph:
        out = channel_on(graph).get_output_channel()
        with pytest.raises(RuntimeError, match="Invalid OAuth"):
            asyncio.run(out.send_text_message("99", "hello"))


def test_an_unreachable_graph_api_is_reported_without_the_token():
    channel = MessengerInput(
        VERIFY_TOKEN, APP_SECRET, PAGE_ACCESS_TOKEN, graph_api_url="http://127.0.0.1:9"
    )
    with pytest.raises(RuntimeError) as raised:
        asyncio.run(channel.get_output_channel().send_text_message("99", "hello"))
    assert "unreachable" in str(raised.value)
    assert PAGE_ACCESS_TOKEN not in str(raised.value)
    # a logged traceback leaves out the suppressed requests error (whose text has the URL)
    assert raised.value.__cause__ is None and raised.value.__suppress_context__
    logged = "".join(traceback.format_exception(raised.value))
    assert PAGE_ACCESS_TOKEN not in logged


# -- the real stack ---------------------------------------------------------------------------


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
    assert "Caredesk" in text_of(greeting)
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
