"""Telegram: Rasa's connector, made fit for a public webhook and for hand-offs.

Kept from Rasa 3.6: the channel name "telegram", the path /webhooks/telegram/webhook, the
credential keys (access_token, verify, webhook_url) and the output channel's send methods.
Changed, and why:
- `get_output_channel()` in Rasa calls `asyncio.run(set_webhook)`, which raises inside the
  running server, so external events (agent replies during a hand-off, sent with
  `trigger_intent?output_channel=latest`) never reached Telegram. Here it returns one reusable
  output channel, and the webhook is registered once at start-up (a failure is logged).
- The Bot API base URL is configurable (`api_url`), so tests run against a local fake.
- Updates are authenticated with Telegram's `X-Telegram-Bot-Api-Secret-Token` when
  `secret_token` is set (production settings refuse to start without it), and parsed strictly:
  a malformed body gets 400 and reaches nobody.
- A checked update is answered 200 at once and its turn runs in the background, in order per
  chat (`channels.background`); a redelivered update_id is handled once across replicas
  (`channels.redelivery`) and a chat over the rate limit is told once, politely
  (`channels.limits`).
- The conversation id is `telegram:<chat id>` (`channels.senders`).
- The bot's identity (`verify`) is checked with one getMe, not one per update.
- Texts over 4096 characters are split; keyboards wrap; callback queries are answered.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

from aiogram import Bot
from aiogram.bot.api import TelegramAPIServer, check_token
from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)
from aiogram.utils.exceptions import ValidationError
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.telegram import TelegramInput as RasaTelegramInput
from rasa.core.channels.telegram import TelegramOutput as RasaTelegramOutput
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from caredesk_rules.text import split_text
from channels import utf16_length
from channels.background import InOrder
from channels.deployment import is_production
from channels.limits import rate_limits, slow_down_text
from channels.payloads import customer_webhook
from channels.redelivery import redeliveries
from channels.senders import conversation_id, platform_id

logger = logging.getLogger(__name__)

TELEGRAM_API_URL = "https://api.telegram.org"
MAX_TEXT = 4096  # characters (UTF-16 code units) in one message
MAX_CALLBACK_DATA = 64  # bytes of an inline button's callback_data
ONE_ROW_TITLES = 30  # characters of all button titles that still fit one keyboard row
MAX_BODY = 1_000_000  # bytes; a real Update is a few KB
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)
SECRET_TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,256}")  # what setWebhook accepts
ALLOWED_UPDATES = ("message", "edited_message", "callback_query")
REQUEST_TIMEOUT = 15.0  # seconds per Bot API call
START_COMMAND = re.compile(r"/start(@\w+)?(\s.*)?", re.DOTALL)
CHANNEL_NAME = "telegram"


class MalformedUpdate(ValueError):
    """The body is not a Telegram Update as the Bot API documents it."""


@dataclass(frozen=True)
class InboundText:
    """What the assistant needs from an Update: whose chat, what they said or pressed."""

    chat_id: str
    text: str
    callback_query_id: str | None = None
    update_id: int = 0
    language: str | None = None  # the customer's Telegram language ("vi", "en", ...)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _chat_id(message: object) -> str:
    if not isinstance(message, dict):
        raise MalformedUpdate("message is not an object")
    chat = message.get("chat")
    if not isinstance(chat, dict) or not _is_int(chat.get("id")):
        raise MalformedUpdate("message.chat.id missing")
    return str(chat["id"])


def _language(sender: object) -> str | None:
    code = sender.get("language_code") if isinstance(sender, dict) else None
    return code.split("-")[0].lower() if isinstance(code, str) and code else None


def _from_message(message: object) -> InboundText | None:
    chat_id = _chat_id(message)
    assert isinstance(message, dict)
    text = message.get("text")
    if text is not None and not isinstance(text, str):
        raise MalformedUpdate("message.text is not a string")
    sender = message.get("from")
    if sender is not None and not isinstance(sender, dict):
        raise MalformedUpdate("message.from is not an object")
    if (sender or {}).get("is_bot") is True or not text or not text.strip():
        return None  # another bot, or a sticker, photo, member change...: nothing to answer
    if START_COMMAND.fullmatch(text.strip()):
        text = "/greet"  # the first thing every Telegram user sends
    return InboundText(chat_id, text, language=_language(sender))


def _from_callback_query(query: object) -> InboundText | None:
    if not isinstance(query, dict):
        raise MalformedUpdate("callback_query is not an object")
    query_id, sender, data = query.get("id"), query.get("from"), query.get("data")
    if not isinstance(query_id, str) or not query_id:
        raise MalformedUpdate("callback_query.id missing")
    if not isinstance(sender, dict) or not _is_int(sender.get("id")):
        raise MalformedUpdate("callback_query.from.id missing")
    if data is not None and not isinstance(data, str):
        raise MalformedUpdate("callback_query.data is not a string")
    # Without `message` (inline mode) the private chat's id is the user's id.
    chat_id = _chat_id(query["message"]) if "message" in query else str(sender["id"])
    if not data:
        return None  # a game button: no payload for the assistant
    return InboundText(chat_id, data, callback_query_id=query_id, language=_language(sender))


def parse_update(body: bytes) -> InboundText | None:
    """The customer's text in a webhook body; None for a valid Update without one.

    Raises `MalformedUpdate` for anything that is not a documented Update."""
    try:
        update = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as error:  # nested too deep
        raise MalformedUpdate("body is not JSON") from error
    if not isinstance(update, dict):
        raise MalformedUpdate("an Update is a JSON object")
    if not _is_int(update.get("update_id")):
        raise MalformedUpdate("update_id missing")
    inbound: InboundText | None = None
    if "callback_query" in update:
        inbound = _from_callback_query(update["callback_query"])
    else:
        for kind in ("message", "edited_message"):
            if kind in update:
                inbound = _from_message(update[kind])
                break
    return replace(inbound, update_id=update["update_id"]) if inbound else None


def keyboard(
    buttons: list[dict[str, Any]], button_type: str | None = None
) -> InlineKeyboardMarkup | ReplyKeyboardMarkup:
    """Rasa buttons as a Telegram keyboard.

    Inline buttons send their payload back as callback data, which Telegram caps at 64 bytes;
    a longer payload falls back to a reply keyboard (the customer then sends the title).
    `button_type` as in Rasa ("inline": one row, "vertical", "reply"); without it short titles
    share a row and longer ones get a row each, so they stay readable on a phone."""
    titles = [str(b.get("title", "")) for b in buttons]
    payloads = [str(b.get("payload", "")) for b in buttons]
    if button_type == "reply" or any(
        not p or len(p.encode("utf-8")) > MAX_CALLBACK_DATA for p in payloads
    ):
        if button_type != "reply":
            logger.warning("telegram: a button payload over 64 bytes; sending a reply keyboard")
        reply = ReplyKeyboardMarkup(resize_keyboard=True, one_time_keyboard=True)
        for title in titles:
            reply.row(KeyboardButton(title))
        return reply
    inline = InlineKeyboardMarkup()
    row = [InlineKeyboardButton(t, callback_data=p) for t, p in zip(titles, payloads, strict=True)]
    one_row = button_type == "inline" or (
        button_type is None and sum(len(t) for t in titles) <= ONE_ROW_TITLES
    )
    if one_row:
        inline.row(*row)
    else:
        for button in row:
            inline.row(button)
    return inline


class TelegramOutput(RasaTelegramOutput):
    """Rasa's Telegram output on a configurable Bot API server, within Telegram's limits."""

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
        for part in split_text(text, MAX_TEXT, utf16_length):
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
        parts = split_text(text, MAX_TEXT, utf16_length) or ["…"]
        for part in parts[:-1]:
            await self.send_message(recipient_id, part)
        await self.send_message(
            recipient_id, parts[-1], reply_markup=keyboard(buttons, button_type)
        )

    async def close_session(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()


class TelegramInput(RasaTelegramInput):
    """Telegram webhook (`/webhooks/telegram/webhook`); see the module docstring."""

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

    def get_output_channel(self) -> TelegramOutput:
        """One output channel (one HTTP session) for every conversation, usable outside a
        customer's turn: Rasa's external events re-create the output channel with this."""
        if self._output is None:
            self._output = TelegramOutput(self.access_token, self.api_url)
        return self._output

    def _redact(self, error: BaseException) -> str:
        # Bot API URLs carry the token (/bot<token>/method): never let it reach a log.
        return f"{type(error).__name__}: {error}".replace(self.access_token, "<token>")

    async def _check_bot(self) -> bool | None:
        """True when the token belongs to the bot named `verify`, False when it does not,
        None when Telegram could not be asked (asked again next time)."""
        if self._bot_ok is None:
            try:
                me = await self.get_output_channel().request("getMe")
            except Exception as error:  # network, timeout or API error alike
                logger.error("telegram: getMe failed: %s", self._redact(error))
                return None
            username = str((me or {}).get("username") or "")
            self._bot_ok = username.lower() == str(self.verify).lstrip("@").lower()
            if not self._bot_ok:
                logger.error(
                    "telegram: the access token belongs to @%s, not to the configured bot %s; "
                    "updates are refused",
                    username,
                    self.verify,
                )
        return self._bot_ok

    async def register_webhook(self) -> bool:
        """setWebhook on the configured API server; a failure is logged, never raised."""
        if not self.webhook_url:
            logger.warning("telegram: no webhook_url; register the webhook yourself")
            return False
        payload = {"url": self.webhook_url, "allowed_updates": json.dumps(ALLOWED_UPDATES)}
        if self.secret_token:
            payload["secret_token"] = self.secret_token
        else:
            logger.warning("telegram: no secret token: webhook requests are not authenticated")
        try:
            await self.get_output_channel().request("setWebhook", payload)
        except Exception as error:
            logger.error(
                "telegram: setWebhook failed (the server keeps running, but Telegram will not "
                "send updates until a webhook is set): %s",
                self._redact(error),
            )
            return False
        logger.info("telegram: webhook set to %s", self.webhook_url)
        return True

    async def _answer_callback(self, query_id: str) -> None:
        """Stops the spinner on the pressed button; the reply itself follows as a message."""
        try:
            await self.get_output_channel().request(
                "answerCallbackQuery", {"callback_query_id": query_id}
            )
        except Exception as error:
            logger.warning("telegram: answerCallbackQuery failed: %s", self._redact(error))

    async def _turn(
        self,
        inbound: InboundText,
        handle: Callable[[UserMessage], Awaitable[Any]],
        metadata: dict[str, Any] | None,
    ) -> None:
        """One customer turn, after the webhook has answered (see `channels.background`)."""
        if inbound.callback_query_id:
            await self._answer_callback(inbound.callback_query_id)
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
            if self._output is not None:
                await self._output.close_session()

        @telegram_webhook.route("/webhook", methods=["POST"])
        async def message(request: Request) -> HTTPResponse:
            if self.secret_token is not None:
                given = request.headers.get(SECRET_HEADER, "")
                if not hmac.compare_digest(given.encode(), self.secret_token.encode()):
                    logger.warning("telegram: update refused: missing or wrong secret token")
                    return response.json({"error": "forbidden"}, status=403)
            if len(request.body or b"") > MAX_BODY:
                return response.json({"error": "body too large"}, status=413)
            try:
                inbound = parse_update(request.body or b"")
            except MalformedUpdate as error:
                logger.warning("telegram: malformed update refused: %s", error)
                return response.json({"error": str(error)}, status=400)
            if inbound is None:
                return response.json({"status": "ignored"})
            bot_ok = await self._check_bot()
            if bot_ok is None:
                return response.json({"error": "Telegram unreachable"}, status=503)
            if not bot_ok:
                return response.json({"error": "bot name mismatch"}, status=403)
            if not await redeliveries().first_time(CHANNEL_NAME, str(inbound.update_id)):
                return response.json({"status": "duplicate"})
            # Answered at once: Telegram re-sends an update that is not acknowledged quickly.
            verdict = await rate_limits().check(CHANNEL_NAME, inbound.chat_id)
            if not verdict.allowed:
                self._in_order.submit(
                    inbound.chat_id, lambda: self._slow_down(inbound, verdict.notify)
                )
                return response.json({"status": "rate_limited"})
            metadata = self.get_metadata(request)
            self._in_order.submit(inbound.chat_id, lambda: self._turn(inbound, handle, metadata))
            return response.json({"status": "ok"})

        return telegram_webhook
