"""Telegram as a Rasa channel: the output channel (aiogram's Bot on a configurable Bot API
server) and the input channel with its webhook (`/webhooks/telegram/webhook`). Why it differs
from Rasa's connector is in the package docstring (`channels.telegram`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot
from aiogram.bot.api import TelegramAPIServer, check_token
from aiogram.utils.exceptions import RetryAfter, ValidationError
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.telegram import TelegramInput as RasaTelegramInput
from rasa.core.channels.telegram import TelegramOutput as RasaTelegramOutput
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from caredesk_rules.order_updates import rate_limited
from caredesk_rules.typing import PLATFORM_TYPING_INTERVAL_SECONDS, TypingGate
from channels.attachments import PlatformImages, photo_not_received
from channels.background import InOrder
from channels.deployment import is_production
from channels.limits import slow_down_text
from channels.payloads import customer_webhook
from channels.senders import conversation_id, platform_id
from channels.telegram.client import (
    REQUEST_TIMEOUT,
    SECRET_HEADER,
    SECRET_TOKEN_PATTERN,
    TELEGRAM_API_URL,
    BotApi,
)
from channels.telegram.parse import InboundText, MalformedUpdate, parse_update
from channels.telegram.render import keyboard, text_parts
from channels.typing import AgentTyping, add_agent_typing_route
from channels.webhook_guard import DUPLICATE, RATE_LIMITED, Refusal, WebhookGuard, secret_header

logger = logging.getLogger(__name__)

MAX_BODY = 1_000_000  # bytes; a real Update is a few KB
RATE_LIMIT_TRIES = 3  # tries of one Bot API call Telegram answers with 429
MAX_RATE_LIMIT_WAIT = 5.0  # seconds the channel waits itself; a longer wait is the caller's
CHANNEL_NAME = "telegram"


class PlatformRateLimited(RuntimeError):
    """Telegram still said 429 after the channel's own retries: the caller (Rasa's turn, and
    through its 500 the back office's order-update sender) learns how long to wait."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(rate_limited(retry_after))
        self.retry_after = retry_after


class TelegramOutput(RasaTelegramOutput):
    """Rasa's Telegram output on a configurable Bot API server, within Telegram's limits."""

    async def request(
        self, method: str, data: dict[str, Any] | None = None, files: Any = None, **kwargs: Any
    ) -> Any:
        """Every Bot API call; one Telegram refuses with 429 (`parameters.retry_after`, about
        one message a second per chat) is tried again after the seconds it asks, up to
        RATE_LIMIT_TRIES times while the wait is short; beyond that `PlatformRateLimited`."""
        for attempt in range(1, RATE_LIMIT_TRIES + 1):
            try:
                return await super().request(method, data, files, **kwargs)
            except RetryAfter as limited:
                wait = float(limited.timeout)
                if attempt == RATE_LIMIT_TRIES or wait > MAX_RATE_LIMIT_WAIT:
                    raise PlatformRateLimited(wait) from None
                logger.info("telegram: %s rate limited, retrying in %gs", method, wait)
                await asyncio.sleep(wait)
        raise AssertionError("unreachable")

    def __init__(self, access_token: str, api_url: str = TELEGRAM_API_URL) -> None:
        Bot.__init__(
            self,
            access_token,
            server=TelegramAPIServer.from_base(api_url),
            timeout=REQUEST_TIMEOUT,
        )

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        """Rasa addresses the conversation (`telegram:<chat id>`); Telegram the chat."""
        await super().send_response(platform_id(CHANNEL_NAME, recipient_id), message)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        """One message per response (Rasa split on blank lines), split only past 4096."""
        for part in text_parts(text):
            await self.send_message(recipient_id, part)

    async def send_text_with_buttons(
        self,
        recipient_id: str,
        text: str,
        buttons: list[dict[str, Any]],
        button_type: str | None = None,
        **kwargs: Any,
    ) -> None:
        """The keyboard goes with the last part of a long text."""
        parts = text_parts(text) or ["…"]
        for part in parts[:-1]:
            await self.send_message(recipient_id, part)
        await self.send_message(
            recipient_id, parts[-1], reply_markup=keyboard(buttons, button_type)
        )

    async def close_session(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()


class TelegramInput(RasaTelegramInput):
    """Telegram webhook (`/webhooks/telegram/webhook`); see the package docstring."""

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> TelegramInput:
        if not credentials:
            return cls.raise_missing_credentials_exception()  # raises
        return cls(
            credentials.get("access_token"),
            credentials.get("verify"),
            credentials.get("webhook_url"),
            secret_token=credentials.get("secret_token"),
            api_url=credentials.get("api_url") or TELEGRAM_API_URL,
        )

    def __init__(
        self,
        access_token: str | None,
        verify: str | None,
        webhook_url: str | None,
        debug_mode: bool = False,
        secret_token: str | None = None,
        api_url: str = TELEGRAM_API_URL,
    ) -> None:
        if not access_token or not verify:
            raise RasaException("telegram: access_token and verify (the bot's name) are required")
        try:
            check_token(access_token)
        except ValidationError as error:
            raise RasaException("telegram: the access token is not a BotFather token") from error
        if secret_token and not SECRET_TOKEN_PATTERN.fullmatch(secret_token):
            raise RasaException("telegram: secret_token may hold 1-256 of A-Z a-z 0-9 _ -")
        if not secret_token and is_production():
            raise RasaException(
                "telegram: production settings need TELEGRAM_SECRET_TOKEN (secret_token): "
                "without it anyone who finds the webhook URL can speak as any Telegram user"
            )
        super().__init__(access_token, verify, webhook_url, debug_mode)
        self.secret_token = secret_token or None
        self.api_url = api_url.rstrip("/")
        self._output: TelegramOutput | None = None
        self._bot_ok: bool | None = None  # getMe said the token is `verify`'s bot
        self._in_order = InOrder(CHANNEL_NAME)
        self.images = PlatformImages()
        self.guard = WebhookGuard(
            CHANNEL_NAME,
            max_body_bytes=MAX_BODY,
            origin=secret_header(SECRET_HEADER, self.secret_token),
        )
        self._typing_gate = TypingGate(PLATFORM_TYPING_INTERVAL_SECONDS)

    def get_output_channel(self) -> TelegramOutput:
        """One output channel (one HTTP session) for every conversation, usable outside a
        customer's turn: Rasa's external events re-create the output channel with this."""
        if self._output is None:
            self._output = TelegramOutput(self.access_token, self.api_url)
        return self._output

    def _api(self) -> BotApi:
        return BotApi(self.get_output_channel(), self.access_token)

    async def _check_bot(self) -> bool | None:
        """True when the token belongs to the bot named `verify`, False when it does not,
        None when Telegram could not be asked (asked again next time)."""
        if self._bot_ok is None:
            self._bot_ok = await self._api().is_bot(str(self.verify))
        return self._bot_ok

    async def register_webhook(self) -> bool:
        """setWebhook on the configured API server; a failure is logged, never raised."""
        if not self.webhook_url:
            logger.warning("telegram: no webhook_url; register the webhook yourself")
            return False
        return await self._api().set_webhook(self.webhook_url, self.secret_token)

    async def _answer_callback(self, query_id: str) -> None:
        await self._api().answer_callback(query_id)

    async def _turn(
        self,
        inbound: InboundText,
        handle: Callable[[UserMessage], Awaitable[Any]],
        metadata: dict[str, Any] | None,
    ) -> None:
        """One customer turn, after the webhook has answered (see `channels.background`)."""
        if inbound.callback_query_id:
            await self._answer_callback(inbound.callback_query_id)
        if inbound.photo_file_id:
            photo = await self._stored_photo(inbound)
            if photo is None:
                await self.get_output_channel().send_text_message(
                    inbound.chat_id, photo_not_received(inbound.language)
                )
                return
            metadata = {**(metadata or {}), **photo}
        await handle(
            UserMessage(
                inbound.text,
                self.get_output_channel(),
                conversation_id(CHANNEL_NAME, inbound.chat_id),
                input_channel=self.name(),
                message_id=str(inbound.update_id),
                metadata=metadata,
            )
        )

    async def _stored_photo(self, inbound: InboundText) -> dict[str, Any] | None:
        """The customer's photo fetched from Telegram and kept by the back office: the
        message's attachment metadata, or None when it could not be."""
        assert inbound.photo_file_id is not None
        url = await self._api().file_url(inbound.photo_file_id)
        if url is None:
            return None
        where = conversation_id(CHANNEL_NAME, inbound.chat_id)
        return await self.images.message_metadata(url, where, CHANNEL_NAME)

    async def _agent_typing(self, signal: AgentTyping) -> None:
        """The agent types: `sendChatAction typing`, which Telegram shows for 5 s or until the
        next message, at most one per PLATFORM_TYPING_INTERVAL_SECONDS. Telegram cannot take it
        back: "stopped" only lets the next "typing" through at once."""
        if self._typing_gate.allow(signal.conversation_id, signal.typing) and signal.typing:
            await self._api().send_typing(platform_id(CHANNEL_NAME, signal.conversation_id))

    async def _slow_down(self, inbound: InboundText, notify: bool) -> None:
        """Over the rate limit: the button's spinner stops, and the customer is told once."""
        if inbound.callback_query_id:
            await self._answer_callback(inbound.callback_query_id)
        if notify:
            await self.get_output_channel().send_text_message(
                inbound.chat_id, slow_down_text(inbound.language)
            )

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        telegram_webhook = Blueprint("telegram_webhook", __name__)
        handle = customer_webhook(telegram_webhook, on_new_message)

        @telegram_webhook.listener("after_server_start")
        async def start(_app: Any, _loop: Any) -> None:
            await self._check_bot()
            await self.register_webhook()

        @telegram_webhook.listener("before_server_stop")
        async def stop(_app: Any, _loop: Any) -> None:
            await self._in_order.drain()
            await self.images.close()
            if self._output is not None:
                await self._output.close_session()

        add_agent_typing_route(telegram_webhook, self._agent_typing)

        @telegram_webhook.route("/webhook", methods=["POST"])
        async def message(request: Request) -> HTTPResponse:
            body = request.body or b""
            refusal = self.guard.check(body, request.headers)
            if refusal is not None:
                return self.guard.refuse(refusal)
            try:
                inbound = parse_update(body)
            except MalformedUpdate as error:
                return self.guard.refuse(Refusal(400, str(error)))
            if inbound is None:
                return response.json({"status": "ignored"})
            bot_ok = await self._check_bot()
            if bot_ok is None:
                return response.json({"error": "Telegram unreachable"}, status=503)
            if not bot_ok:
                return response.json({"error": "bot name mismatch"}, status=403)
            # Answered at once: Telegram re-sends an update that is not acknowledged quickly.
            admission = await self.guard.admit(str(inbound.update_id), inbound.chat_id)
            if admission.status == DUPLICATE:
                return response.json({"status": "duplicate"})
            if admission.status == RATE_LIMITED:
                self._in_order.submit(
                    inbound.chat_id, lambda: self._slow_down(inbound, admission.notify)
                )
                return response.json({"status": "rate_limited"})
            metadata = self.get_metadata(request)
            self._in_order.submit(inbound.chat_id, lambda: self._turn(inbound, handle, metadata))
            return response.json({"status": "ok"})

        return telegram_webhook
