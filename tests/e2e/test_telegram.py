"""The Telegram channel on the real stack (back office, action server, Rasa with credentials
composed from the environment) against a local fake Bot API: a whole conversation, a hand-off
with an agent, and refused webhook requests. Its parts alone are in tests/channels/telegram/."""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from channels.background import reference
from devstack.stack import Stack, is_clarifying
from scripts.credentials import compose
from tests.support.fake_telegram import (
    FakeTelegram,
    TelegramUser,
    inline_buttons,
    message_update,
    texts,
)
from tests.support.helpdesk import AgentClient, login_agent
from tests.support.shared_stack import TELEGRAM_PUBLIC_WEBHOOK, TELEGRAM_SECRET, SharedStack

SECRET = TELEGRAM_SECRET
PUBLIC_WEBHOOK = TELEGRAM_PUBLIC_WEBHOOK


@dataclass
class Setup:
    stack: Stack
    telegram: FakeTelegram
    webhook_url: str
    credentials: dict[str, Any]

    def user(self, secret: str | None = SECRET) -> TelegramUser:
        chat_id = random.randint(10**8, 10**9)
        return TelegramUser(
            self.webhook_url,
            self.telegram,
            chat_id,
            secret_token=secret,
            wait_turn=self.stack.wait_turn,
        )

    def agent(self, username: str) -> AgentClient:
        return login_agent(self.stack.backoffice.base_url, username)

    def user_turns(self, user: TelegramUser) -> list[str]:
        events = self.stack.tracker(user.conversation_id)["events"]
        return [e.get("text") for e in events if e["event"] == "user"]


@pytest.fixture(scope="module")
def setup(shared_stack: SharedStack) -> Setup:
    stack = shared_stack.stack
    return Setup(
        stack,
        shared_stack.telegram,
        stack.rasa.url("/webhooks/telegram/webhook"),
        shared_stack.credentials,
    )


def sure(user: TelegramUser, text: str) -> list[dict[str, Any]]:
    """Say `text`; when the assistant, unsure, asks "did you mean ...?", press its "yes"."""
    replies = user.say(text)
    buttons = [b for m in replies for b in inline_buttons(m)]
    if is_clarifying(texts(replies)) and buttons:
        return user.press(buttons[0]["callback_data"])
    return replies


@pytest.mark.stack
def test_credentials_keep_the_base_channels_and_webhook_is_registered_at_start(setup):
    base = compose({})
    for key, value in base.credentials.items():  # rest, socketio (whatever class) untouched
        assert setup.credentials[key] == value
    webhook = setup.telegram.wait_webhook()
    assert webhook["url"] == PUBLIC_WEBHOOK
    assert webhook["secret_token"] == SECRET
    assert "callback_query" in webhook["allowed_updates"]
    assert setup.telegram.calls_of("getMe")


@pytest.mark.stack
def test_a_whole_conversation_with_keyboards(setup):
    user = setup.user()
    greeting, menu = user.say("/start")
    assert "Mây Store" in greeting["text"]  # the brand of knowledge/store.yml
    assert [b["callback_data"] for b in inline_buttons(menu)][:2] == [
        "/track_order",
        "/check_refund_policy",
    ]
    assert len(menu["reply_markup"]["inline_keyboard"]) == 6  # long titles: a row each

    assert "3-6 ngày" in texts(sure(user, "giao hàng mất bao lâu vậy shop?"))
    assert "3-6 days" in texts(sure(user, "how long does delivery take to Da Nang?"))

    pressed_before = len(setup.telegram.calls_of("answerCallbackQuery"))
    asked = texts(user.press("/track_order"))  # the menu's "Track my order" button
    assert "ORD-10001" in asked
    assert len(setup.telegram.calls_of("answerCallbackQuery")) == pressed_before + 1
    assert "email" in texts(user.say("ORD-10001"))
    status = texts(user.say("an.nguyen@example.com"))
    assert "GHN123456789VN" in status

    tracker = setup.stack.tracker(user.conversation_id)  # telegram:<chat id>
    assert tracker["latest_input_channel"] == "telegram"
    assert tracker["slots"]["order_id"] == "ORD-10001"
    mine = [
        call
        for call in setup.telegram.calls_of("sendMessage")
        if str(call.params.get("chat_id")) == str(user.chat_id)
    ]  # other tests share the fake (one floods its chat with 429s on purpose)
    assert mine and all(call.status == 200 for call in mine)


@pytest.mark.stack
def test_handoff_agent_replies_reach_telegram_and_the_rating_is_stored(setup):
    user = setup.user()
    [routed] = user.say("I want to talk to someone, I was charged twice")
    assert "billing" in routed["text"].lower()
    slots = setup.stack.tracker(user.conversation_id)["slots"]
    assert slots["department"] == "billing" and slots["ticket_id"].startswith("TCK-")
    conversation_id = user.conversation_id

    billing = setup.agent("billing")
    assert billing.conversation(conversation_id, "claim").status_code == 200
    [joined] = user.expect(1)  # pushed by the outbox through trigger_intent
    assert "joined" in joined["text"]

    assert user.say("hello? are you there") == []  # the bot stays silent
    assert user.silence(2) == []
    transcript = billing.conversation(conversation_id).json()["transcript"]
    assert [t["text"] for t in transcript if t["role"] == "customer"][-1] == "hello? are you there"

    for text in ("Hi, I'm looking at your payment now.", "I can see two charges."):
        assert billing.conversation(conversation_id, "reply", json={"text": text}).ok
    assert [m["text"] for m in user.expect(2)] == [
        "Hi, I'm looking at your payment now.",
        "I can see two charges.",
    ]

    assert billing.conversation(conversation_id, "resolve").ok
    closed, rating = user.expect(2)
    assert "closed" in closed["text"] and "satisfied" in rating["text"]
    assert [b["text"] for b in inline_buttons(rating)] == ["1", "2", "3", "4", "5"]
    thanks = user.press(inline_buttons(rating)[4]["callback_data"])
    assert "Thank you for your rating" in texts(thanks)
    ticket_id = slots["ticket_id"]
    tickets = billing.call("GET", f"/tickets?q={ticket_id}").json()["tickets"]
    assert tickets[0]["csat_score"] == 5


@pytest.mark.stack
@pytest.mark.parametrize("secret", ["", "wrong-secret"])
def test_missing_or_wrong_secret_token_is_refused(setup, secret):
    user = setup.user(secret=secret)
    response = user.post(message_update(user.chat_id, "hello"), secret=secret)
    assert response.status_code == 403
    assert user.silence(1) == []
    assert setup.user_turns(user) == []


@pytest.mark.stack
def test_malformed_bodies_get_400_and_reach_nobody(setup):
    user = setup.user()
    calls_before = len(setup.telegram.calls)
    bad = [
        b"{not json",
        b"[]",
        json.dumps({"message": {"chat": {"id": user.chat_id}, "text": "hi"}}).encode(),
        json.dumps({"update_id": 1, "message": {"text": "hi"}}).encode(),
        json.dumps({"update_id": 1, "callback_query": {"id": "1", "data": "/greet"}}).encode(),
    ]
    for raw in bad:
        assert user.post(raw).status_code == 400, raw
    assert user.post(b"").status_code == 400
    assert user.silence(1) == []
    assert setup.user_turns(user) == []
    assert len(setup.telegram.calls) == calls_before  # not even answerCallbackQuery
    assert requests.get(setup.stack.rasa.url("/"), timeout=5).ok  # and the server is fine


@pytest.mark.stack
def test_updates_without_text_are_acknowledged_and_ignored(setup):
    user = setup.user()
    update = message_update(user.chat_id, "x")
    del update["message"]["text"]
    update["message"]["sticker"] = {"file_id": "CAAD", "width": 512, "height": 512}
    assert user.post(update).status_code == 200
    assert user.silence(1) == []
    assert setup.user_turns(user) == []


@pytest.mark.stack
def test_the_webhook_answers_before_the_turn_and_the_turn_still_happens(setup):
    user = setup.user()
    update = message_update(user.chat_id, "/start")
    setup.telegram.hold()  # a slow Bot API: the turn cannot finish before release()
    try:
        response = user.post(update)
        assert (response.status_code, response.json()) == (200, {"status": "ok"})
        assert setup.telegram.messages(user.chat_id) == []  # answered, the turn still running
    finally:
        setup.telegram.release()
    setup.stack.wait_turn(user.conversation_id, str(update["update_id"]))
    assert "Mây Store" in texts(user.unread())


@pytest.mark.stack
def test_a_redelivered_update_is_handled_once(setup):
    user = setup.user()
    update = message_update(user.chat_id, "giao hàng mất bao lâu vậy shop?")
    answers = user.turn(update)
    assert answers
    # Telegram's retries, one of them while another copy is being checked.
    retries = [user.post(update) for _ in range(3)]
    assert [(r.status_code, r.json()) for r in retries] == [(200, {"status": "duplicate"})] * 3
    assert user.silence(2) == []
    assert setup.user_turns(user) == ["giao hàng mất bao lâu vậy shop?"]


@pytest.mark.stack
def test_a_turn_that_fails_is_logged_and_the_chat_goes_on(setup):
    user = setup.user()
    setup.telegram.fail_next(user.chat_id)  # Telegram refuses the first reply
    update = message_update(user.chat_id, "/start")
    assert user.post(update).json() == {"status": "ok"}
    failure = f"telegram: handling a message of {reference(str(user.chat_id))} failed"
    deadline = time.monotonic() + 30
    while failure not in setup.stack.rasa.output(400):
        assert time.monotonic() < deadline, "the failed turn was not logged"
        time.sleep(0.2)
    assert "Mây Store" in texts(user.say("/start"))  # the next update is handled
