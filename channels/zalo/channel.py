"""Zalo as a Rasa channel: the output channel (the OA API from a worker thread) and the input
channel with its webhook (`/webhooks/zalo/webhook`). How it works is in the package docstring
(`channels.zalo`) and docs/zalo.md.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from caredesk_rules.attachments import PHOTO_TEXT
from caredesk_rules.text import split_text
from channels.attachments import PlatformImages, photo_not_received
from channels.background import InOrder
from channels.background import reference as user_ref
from channels.delivery import delivery_id_of
from channels.limits import slow_down_text
from channels.payloads import customer_webhook
from channels.senders import conversation_id, platform_id
from channels.webhook_guard import ACCEPTED, RATE_LIMITED, Refusal, WebhookGuard
from channels.zalo.client import DEFAULT_API_URL, MAX_TEXT_CHARS, ZaloApiError, ZaloClient
from channels.zalo.parse import (
    MAX_BODY_BYTES,
    MAX_EVENT_AGE_SECONDS,
    ZaloEvent,
    parse_event,
    signed_by,
)
from channels.zalo.render import (
    TEXT_ONLY_NOTICE,
    NumberedChoices,
    image_message,
    with_buttons,
)

logger = logging.getLogger(__name__)

CHANNEL_NAME = "zalo"
GREET_PAYLOAD = "/greet"  # what a new follower "says", so the assistant welcomes them


class ZaloOutput(OutputChannel):
    """Sends bot messages to one Zalo user through the OA API. A message Zalo refuses is logged
    (code and meaning, never the token or the text) and the turn goes on; only a message the
    helpdesk needs a receipt for (one with a delivery id, channels/delivery.py) raises, so that
    Rasa's turn fails and the helpdesk sends it again."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL_NAME

    def __init__(self, client: ZaloClient, choices: NumberedChoices | None = None) -> None:
        self.client = client
        self.choices = choices or NumberedChoices()
        self.failures: list[ZaloApiError] = []

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        """Rasa addresses the conversation (`zalo:<user id>`); the OA API the user."""
        await super().send_response(platform_id(CHANNEL_NAME, recipient_id), message)

    async def _send(
        self, recipient_id: str, message: dict[str, Any], *, receipt: bool = False
    ) -> bool:
        try:
            await asyncio.to_thread(self.client.send, recipient_id, message)
            return True
        except ZaloApiError as error:
            self.failures.append(error)
            if error.kind == "window":
                logger.warning(
                    "zalo: cannot message %s now, outside the customer-service window: %s",
                    user_ref(recipient_id),
                    error,
                )
            elif error.kind == "token":
                logger.error(
                    "zalo: the OA access token was refused, check ZALO_OA_ACCESS_TOKEN: %s", error
                )
            else:
                logger.error("zalo: message to %s not sent: %s", user_ref(recipient_id), error)
            if receipt:
                raise
            return False

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        receipt = delivery_id_of(kwargs.get("caredesk")) is not None
        for piece in split_text(text, MAX_TEXT_CHARS):
            if not await self._send(recipient_id, {"text": piece}, receipt=receipt):
                return  # the rest of a cut message makes no sense alone

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        receipt = delivery_id_of(kwargs.get("caredesk")) is not None
        messages, numbered = with_buttons(text, buttons)
        if numbered is not None:
            self.choices.offer(recipient_id, numbered)
        for message in messages:
            if not await self._send(recipient_id, message, receipt=receipt):
                return

    async def send_quick_replies(
        self,
        recipient_id: str,
        text: str,
        quick_replies: list[dict[str, Any]],
        **kwargs: Any,
    ) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self._send(recipient_id, image_message(image))

    async def send_attachment(self, recipient_id: str, attachment: Any, **kwargs: Any) -> None:
        if isinstance(attachment, str):
            await self.send_text_message(recipient_id, attachment)
        else:
            logger.warning("zalo: attachment of type %s not supported", type(attachment).__name__)

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        """`custom: {zalo: <a Zalo message object>}` is sent as is; other custom payloads are
        meant for other channels and skipped (not dumped as JSON to the customer)."""
        zalo = json_message.get("zalo") if isinstance(json_message, dict) else None
        if isinstance(zalo, dict):
            await self._send(recipient_id, zalo)


class ZaloInput(InputChannel):
    """Zalo OA webhook. Credentials: app_id, secret_key (the OA secret key that signs events),
    access_token (OA access token), api_url (optional, default https://openapi.zalo.me)."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL_NAME

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        if not credentials:
            cls.raise_missing_credentials_exception()
        assert credentials is not None
        values = {k: str(v).strip() if v is not None else "" for k, v in credentials.items()}
        missing = [k for k in ("app_id", "secret_key", "access_token") if not values.get(k)]
        if missing:
            raise ValueError(f"zalo channel: credentials missing {', '.join(missing)}")
        return cls(
            app_id=values["app_id"],
            secret_key=values["secret_key"],
            access_token=values["access_token"],
            api_url=values.get("api_url") or DEFAULT_API_URL,
            max_event_age_seconds=float(
                values.get("max_event_age_seconds") or MAX_EVENT_AGE_SECONDS
            ),
        )

    def __init__(
        self,
        app_id: str,
        secret_key: str,
        access_token: str,
        api_url: str = DEFAULT_API_URL,
        max_event_age_seconds: float = MAX_EVENT_AGE_SECONDS,
    ) -> None:
        self.app_id = app_id
        self.client = ZaloClient(access_token, api_url)
        self.max_event_age_seconds = max_event_age_seconds
        self.choices = NumberedChoices()
        self._in_order = InOrder(CHANNEL_NAME)
        self.images = PlatformImages()
        self.guard = WebhookGuard(
            CHANNEL_NAME, max_body_bytes=MAX_BODY_BYTES, origin=signed_by(app_id, secret_key)
        )

    def get_output_channel(self) -> OutputChannel:
        """Lets Rasa reach a Zalo user outside their turn (external events, hand-off)."""
        return ZaloOutput(self.client, self.choices)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        zalo_webhook = Blueprint("zalo_webhook", __name__)
        customer_says = customer_webhook(zalo_webhook, on_new_message)

        @zalo_webhook.listener("before_server_stop")
        async def stop(_app: Any, _loop: Any) -> None:
            await self._in_order.drain()
            await self.images.close()

        @zalo_webhook.route("/webhook", methods=["GET"])
        async def webhook_health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @zalo_webhook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            body = request.body or b""
            checked = self.guard.check(body, request.headers) or parse_event(
                body, app_id=self.app_id, max_age_seconds=self.max_event_age_seconds
            )
            if isinstance(checked, Refusal):
                return self.guard.refuse(checked)
            admission = await self.guard.admit(
                checked.dedupe_key, checked.user_id, count_rate=checked.kind in ("text", "image")
            )
            if admission.status == RATE_LIMITED and admission.notify:
                output = self.get_output_channel()
                self._in_order.submit(
                    checked.user_id,
                    lambda: output.send_text_message(checked.user_id, slow_down_text()),
                )
            if admission.status == ACCEPTED:
                self._accept(checked, on_new_message, customer_says)
            return response.json({"status": admission.status})

        return zalo_webhook

    def _accept(
        self,
        event: ZaloEvent,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        customer_says: Callable[[UserMessage], Awaitable[Any]],
    ) -> None:
        """`customer_says` takes what the customer typed; `on_new_message` the OA's own events."""
        who = user_ref(event.user_id) if event.user_id else "-"
        if event.kind == "text":
            assert event.text is not None
            text = self.choices.resolve(event.user_id, event.text)
            message = self._user_message(event, text)
            self._in_order.submit(event.user_id, lambda: customer_says(message))
        elif event.kind == "image":
            self._in_order.submit(event.user_id, lambda: self._photo(event, customer_says))
        elif event.kind == "follow":
            logger.info("zalo: %s followed the OA", who)
            message = self._user_message(event, GREET_PAYLOAD)
            self._in_order.submit(event.user_id, lambda: on_new_message(message))
        elif event.kind == "unfollow":
            logger.info("zalo: %s unfollowed the OA; nothing sent", who)
        elif event.kind == "non_text":
            logger.info("zalo: %s sent %s; asked for text", who, event.name)
            output = self.get_output_channel()
            self._in_order.submit(
                event.user_id, lambda: output.send_text_message(event.user_id, TEXT_ONLY_NOTICE)
            )
        else:
            logger.debug("zalo: event %s acknowledged, not used", event.name)

    async def _photo(
        self, event: ZaloEvent, customer_says: Callable[[UserMessage], Awaitable[Any]]
    ) -> None:
        """A photo: fetched from Zalo and kept by the back office, then said with its caption
        (or PHOTO_TEXT); the customer hears so when it could not be kept."""
        assert event.image_url is not None
        where = conversation_id(CHANNEL_NAME, event.user_id)
        photo = await self.images.message_metadata(event.image_url, where, CHANNEL_NAME)
        if photo is None:
            await self.get_output_channel().send_text_message(event.user_id, photo_not_received())
            return
        message = self._user_message(event, event.text or PHOTO_TEXT)
        message.metadata = {**(message.metadata or {}), **photo}
        await customer_says(message)

    def _user_message(self, event: ZaloEvent, text: str) -> UserMessage:
        return UserMessage(
            text=text,
            output_channel=self.get_output_channel(),
            sender_id=conversation_id(CHANNEL_NAME, event.user_id),
            input_channel=self.name(),
            message_id=event.msg_id,
            metadata={
                "zalo": {
                    "event": event.name,
                    "msg_id": event.msg_id,
                    "timestamp": event.timestamp,
                    "app_id": event.app_id,
                }
            },
        )
