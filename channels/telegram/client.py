"""The Telegram Bot API, the platform side: where it is, how Telegram proves an update is its
own (the secret token it sends with every webhook request) and the calls the channel makes
besides sending messages (getMe, setWebhook, answerCallbackQuery, getFile for a customer's
photo, sendChatAction while an agent types). Sending is aiogram's `Bot`,
which Rasa's output channel is (`channels.telegram.channel.TelegramOutput`).
"""

from __future__ import annotations

import json
import logging
import re

from aiogram import Bot

logger = logging.getLogger(__name__)

TELEGRAM_API_URL = "https://api.telegram.org"
REQUEST_TIMEOUT = 15.0  # seconds per Bot API call
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)
SECRET_TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,256}")  # what setWebhook accepts
ALLOWED_UPDATES = ("message", "edited_message", "callback_query")


class BotApi:
    """Calls on the channel's one Bot API session. A failure is logged, never raised, and
    never with the token: Bot API URLs carry it (/bot<token>/method)."""

    def __init__(self, bot: Bot, token: str) -> None:
        self.bot = bot
        self._token = token

    def redact(self, error: BaseException) -> str:
        return f"{type(error).__name__}: {error}".replace(self._token, "<token>")

    async def is_bot(self, verify: str) -> bool | None:
        """True when the token belongs to the bot named `verify`, False when it does not,
        None when Telegram could not be asked."""
        try:
            me = await self.bot.request("getMe")
        except Exception as error:  # network, timeout or API error alike
            logger.error("telegram: getMe failed: %s", self.redact(error))
            return None
        username = str((me or {}).get("username") or "")
        same = username.lower() == str(verify).lstrip("@").lower()
        if not same:
            logger.error(
                "telegram: the access token belongs to @%s, not to the configured bot %s; "
                "updates are refused",
                username,
                verify,
            )
        return same

    async def set_webhook(self, url: str, secret_token: str | None) -> bool:
        """setWebhook with the secret token Telegram is to send back with every update."""
        payload = {"url": url, "allowed_updates": json.dumps(ALLOWED_UPDATES)}
        if secret_token:
            payload["secret_token"] = secret_token
        else:
            logger.warning("telegram: no secret token: webhook requests are not authenticated")
        try:
            await self.bot.request("setWebhook", payload)
        except Exception as error:
            logger.error(
                "telegram: setWebhook failed (the server keeps running, but Telegram will not "
                "send updates until a webhook is set): %s",
                self.redact(error),
            )
            return False
        logger.info("telegram: webhook set to %s", url)
        return True

    async def file_url(self, file_id: str) -> str | None:
        """Where a customer's file can be downloaded (getFile); None when Telegram says no.
        The URL carries the token: it is never logged."""
        try:
            found = await self.bot.request("getFile", {"file_id": file_id})
        except Exception as error:
            logger.warning("telegram: getFile failed: %s", self.redact(error))
            return None
        path = (found or {}).get("file_path") if isinstance(found, dict) else None
        if not isinstance(path, str) or not path or ".." in path or path.startswith("/"):
            return None
        return str(self.bot.server.file_url(self._token, path))

    async def answer_callback(self, query_id: str) -> None:
        """Stops the spinner on the pressed button; the reply itself follows as a message."""
        try:
            await self.bot.request("answerCallbackQuery", {"callback_query_id": query_id})
        except Exception as error:
            logger.warning("telegram: answerCallbackQuery failed: %s", self.redact(error))

    async def send_typing(self, chat_id: str) -> None:
        """Shows "typing…" in the chat (sendChatAction): cosmetic, so a failure is only logged."""
        try:
            await self.bot.request("sendChatAction", {"chat_id": chat_id, "action": "typing"})
        except Exception as error:
            logger.info("telegram: sendChatAction failed: %s", self.redact(error))
