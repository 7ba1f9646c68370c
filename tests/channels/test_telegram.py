"""The Telegram channel against a local fake Bot API: unit checks of parsing and limits, then the
real stack (back office, action server, Rasa with credentials composed from the environment)
for a whole conversation, a hand-off with an agent, and refused webhook requests."""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from rasa.shared.exceptions import RasaException

from caredesk_rules.text import split_text
from channels import utf16_length
from channels.background import reference
from channels.telegram import (
    MalformedUpdate,
    TelegramInput,
    keyboard,
    parse_update,
)
from scripts.credentials import compose
from tests.support.fake_telegram import (
    BOT_USERNAME,
    TOKEN,
    FakeTelegram,
    TelegramUser,
    callback_update,
    fake_telegram,
    inline_buttons,
    message_update,
    texts,
)
from tests.support.helpdesk import AgentClient, login_agent
from tests.support.shared_stack import TELEGRAM_PUBLIC_WEBHOOK, TELEGRAM_SECRET, SharedStack
from tests.support.stack import Stack, is_clarifying

SECRET = TELEGRAM_SECRET
PUBLIC_WEBHOOK = TELEGRAM_PUBLIC_WEBHOOK


# -- parsing and limits (no server) -----------------------------------------------------------


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


def test_long_texts_are_split_within_telegram_limit_at_paragraphs():
    paragraph = "Đơn hàng rời kho trong vòng 24 giờ. " * 40
    text = "\n\n".join([paragraph.strip()] * 5)
    parts = split_text(text, 4096, utf16_length)
    assert len(parts) > 1
    assert all(utf16_length(p) <= 4096 for p in parts)
    assert " ".join(parts).split() == text.split()  # nothing lost, nothing added


def test_emoji_count_twice_in_telegram_units():
    parts = split_text("😀" * 3000, 4096, utf16_length)
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


# -- the output channel against the fake Bot API (no Rasa server) ------------------------------


async def closing(channel: TelegramInput, work: Awaitable[Any]) -> Any:
    try:
        return await work
    finally:
        await channel.get_output_channel().close_session()


def test_output_channel_works_inside_a_running_loop_and_splits_long_texts():
    """Rasa's get_output_channel() called asyncio.run() and failed inside the server."""
    with fake_telegram() as fake:
        channel = TelegramInput(TOKEN, BOT_USERNAME, None, api_url=fake.base_url)

        async def push() -> None:
            out = channel.get_output_channel()
            assert channel.get_output_channel() is out  # one session for every conversation
            await out.send_text_message("31337", "a" * 5000)
            await out.send_text_with_buttons(
                "31337", "b" * 4100, [{"title": "Yes", "payload": "/affirm"}]
            )
            await out.close_session()

        asyncio.run(push())
        sent = fake.messages("31337")
        assert [len(m["text"]) for m in sent] == [4096, 904, 4096, 4]
        assert "reply_markup" not in sent[2]
        assert inline_buttons(sent[3]) == [{"text": "Yes", "callback_data": "/affirm"}]


def test_replies_reach_the_chat_of_a_conversation_named_telegram_or_from_before_the_prefix():
    """Rasa addresses `telegram:<chat id>`; a conversation begun before the prefix (an open
    hand-off, docs/migrations.md) is still `<chat id>`: both reach the chat."""
    with fake_telegram() as fake:
        channel = TelegramInput(TOKEN, BOT_USERNAME, None, api_url=fake.base_url)

        async def push() -> None:
            out = channel.get_output_channel()
            await out.send_response("telegram:4242", {"text": "to the new id"})
            await out.send_response("4243", {"text": "to an older one"})
            await out.close_session()

        asyncio.run(push())
        assert [m["text"] for m in fake.messages("4242")] == ["to the new id"]
        assert [m["text"] for m in fake.messages("4243")] == ["to an older one"]


def test_production_settings_refuse_to_run_without_the_secret_token(monkeypatch):
    monkeypatch.setenv("CAREDESK_ENV", "production")
    with pytest.raises(RasaException, match="TELEGRAM_SECRET_TOKEN"):
        TelegramInput(TOKEN, BOT_USERNAME, PUBLIC_WEBHOOK)
    assert TelegramInput(TOKEN, BOT_USERNAME, PUBLIC_WEBHOOK, secret_token=SECRET).secret_token
    monkeypatch.setenv("CAREDESK_ENV", "development")  # make run's default: a warning only
    assert TelegramInput(TOKEN, BOT_USERNAME, PUBLIC_WEBHOOK).secret_token is None


def test_failed_webhook_registration_is_logged_without_the_token(caplog):
    with fake_telegram(token="999:OtherBotToken") as fake:  # the fake refuses our token (401)
        channel = TelegramInput(
            TOKEN, BOT_USERNAME, PUBLIC_WEBHOOK, secret_token=SECRET, api_url=fake.base_url
        )
        with caplog.at_level(logging.ERROR, logger="channels.telegram"):
            assert asyncio.run(closing(channel, channel.register_webhook())) is False
        assert "setWebhook failed" in caplog.text
        assert TOKEN not in caplog.text and TOKEN.split(":")[1] not in caplog.text
        assert fake.calls_of("setWebhook")[0].status == 401


def test_a_token_of_another_bot_is_refused():
    with fake_telegram(username="someone_elses_bot") as fake:
        channel = TelegramInput(TOKEN, BOT_USERNAME, None, api_url=fake.base_url)
        assert asyncio.run(closing(channel, channel._check_bot())) is False


def test_unreachable_api_does_not_raise():
    channel = TelegramInput(TOKEN, BOT_USERNAME, PUBLIC_WEBHOOK, api_url="http://127.0.0.1:9")
    assert asyncio.run(closing(channel, channel.register_webhook())) is False
    assert asyncio.run(closing(channel, channel._check_bot())) is None


# -- the real stack ---------------------------------------------------------------------------


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
    assert "Caredesk" in greeting["text"]
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
    assert all(c.status == 200 for c in setup.telegram.calls_of("sendMessage"))


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
    assert "Caredesk" in texts(user.unread())


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
    assert "Caredesk" in texts(user.say("/start"))  # the next update is handled
