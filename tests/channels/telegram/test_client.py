"""The Bot API calls besides sending (channels/telegram/client.py), made by the channel against
a local fake Bot API or none at all: failures are logged without the token, never raised."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any

from channels.telegram import TelegramInput
from tests.support.fake_telegram import BOT_USERNAME, TOKEN, fake_telegram
from tests.support.shared_stack import TELEGRAM_PUBLIC_WEBHOOK, TELEGRAM_SECRET

SECRET = TELEGRAM_SECRET
PUBLIC_WEBHOOK = TELEGRAM_PUBLIC_WEBHOOK


async def closing(channel: TelegramInput, work: Awaitable[Any]) -> Any:
    try:
        return await work
    finally:
        await channel.get_output_channel().close_session()


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
