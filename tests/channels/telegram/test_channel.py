"""The Telegram channel's output and settings against a local fake Bot API
(channels/telegram/channel.py; no Rasa server). The webhook on the real stack is in
tests/e2e/test_telegram.py."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from rasa.shared.exceptions import RasaException

from caredesk_rules.order_updates import retry_after
from channels.telegram import TelegramInput
from channels.telegram.channel import MAX_BODY, PlatformRateLimited
from channels.telegram.client import SECRET_HEADER
from tests.support.fake_telegram import (
    BOT_USERNAME,
    TOKEN,
    fake_telegram,
    inline_buttons,
    message_update,
)
from tests.support.shared_stack import TELEGRAM_PUBLIC_WEBHOOK, TELEGRAM_SECRET

SECRET = TELEGRAM_SECRET
PUBLIC_WEBHOOK = TELEGRAM_PUBLIC_WEBHOOK


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


def test_a_429_is_tried_again_after_the_seconds_telegram_asks_and_a_long_one_is_raised():
    with fake_telegram() as fake:
        channel = TelegramInput(TOKEN, BOT_USERNAME, None, api_url=fake.base_url)
        fake.flood("5151", times=1, retry_after=1)
        fake.flood("5252", times=1, retry_after=30)

        async def push() -> tuple[float, PlatformRateLimited | None]:
            out = channel.get_output_channel()
            started = time.monotonic()
            await out.send_text_message("5151", "after a second")
            waited = time.monotonic() - started
            try:
                await out.send_text_message("5252", "too long a wait")
                raised = None
            except PlatformRateLimited as error:
                raised = error
            await out.close_session()
            return waited, raised

        waited, raised = asyncio.run(push())
        assert [m["text"] for m in fake.messages("5151")] == ["after a second"]
        assert 1.0 <= waited < 3.0
        assert fake.messages("5252") == []
        assert raised is not None and retry_after(str(raised)) == 30.0


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


def test_the_webhook_guard_wants_the_secret_token_and_a_body_within_the_limit():
    channel = TelegramInput(TOKEN, BOT_USERNAME, PUBLIC_WEBHOOK, secret_token=SECRET)
    body = json.dumps(message_update(1, "hello")).encode()
    assert channel.guard.check(body, {SECRET_HEADER: SECRET}) is None
    for headers in ({}, {SECRET_HEADER: "wrong-secret"}):
        refusal = channel.guard.check(body, headers)
        assert refusal is not None and refusal.status == 403
    refusal = channel.guard.check(b"x" * (MAX_BODY + 1), {SECRET_HEADER: SECRET})
    assert refusal is not None and refusal.status == 413
    # development settings without a secret token: only the size is checked
    unguarded = TelegramInput(TOKEN, BOT_USERNAME, PUBLIC_WEBHOOK)
    assert unguarded.guard.check(body, {}) is None
