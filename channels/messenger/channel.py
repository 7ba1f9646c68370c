"""Messenger as a Rasa channel: the output channel (the Send API, off the event loop) and the
input channel with its webhook (`/webhooks/facebook/webhook`). Why it differs from Rasa's
connector is in the package docstring (`channels.messenger`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from fbmessenger import MessengerClient
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.facebook import FacebookInput, MessengerBot
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from caredesk_rules.typing import PLATFORM_TYPING_INTERVAL_SECONDS, TypingGate
from channels.attachments import PlatformImages, photo_not_received
from channels.background import InOrder
from channels.limits import slow_down_text
from channels.messenger.client import GRAPH_API_URL, graph_client, send_api_post, signed_with
from channels.messenger.parse import InboundText, MalformedEvent, parse_notification
from channels.messenger.render import (
    MAX_TEMPLATE_BUTTONS,
    MAX_TEMPLATE_TEXT,
    postback_button,
    quick_replies,
    text_parts,
)
from channels.payloads import customer_webhook
from channels.senders import conversation_id, platform_id
from channels.typing import AgentTyping, add_agent_typing_route
from channels.webhook_guard import Refusal, WebhookGuard, same_secret

logger = logging.getLogger(__name__)

MAX_BODY = 1_000_000  # bytes; a real webhook batch is a few KB
CHANNEL_NAME = "facebook"  # Rasa's name for the channel


class MessengerOutput(MessengerBot):
    """Sends through the Send API (`POST /v{N}/me/messages`) off the event loop."""

    def __init__(self, messenger_client: MessengerClient, messaging_type: str = "RESPONSE") -> None:
        super().__init__(messenger_client)
        self.messaging_type = messaging_type

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        """Rasa addresses the conversation (`facebook:<psid>`); the Send API the PSID."""
        await super().send_response(platform_id(CHANNEL_NAME, recipient_id), message)

    async def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        return await asyncio.to_thread(send_api_post, self.messenger_client, body)

    async def send_message(self, recipient_id: str, message: dict[str, Any]) -> None:
        await self._post(
            {
                "messaging_type": self.messaging_type,
                "recipient": {"id": recipient_id},
                "message": message,
            }
        )

    def send(self, recipient_id: str, element: Any) -> None:
        raise NotImplementedError("MessengerOutput sends asynchronously: use send_message")

    async def send_action(self, recipient_id: str, sender_action: str) -> None:
        """mark_seen / typing_on / typing_off: cosmetic, so a failure is only logged."""
        try:
            await self._post({"recipient": {"id": recipient_id}, "sender_action": sender_action})
        except Exception as error:
            logger.warning("facebook: sender action %s failed: %s", sender_action, error)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        """One message per response (Rasa split on blank lines), split only past 2000."""
        for part in text_parts(text):
            await self.send_message(recipient_id, {"text": part})

    async def _send_all_but_last(self, recipient_id: str, text: str) -> str:
        """Sends the leading parts of a long text; returns the last one (for the buttons)."""
        parts = text_parts(text) or ["…"]
        for part in parts[:-1]:
            await self.send_message(recipient_id, {"text": part})
        return parts[-1]

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        """Up to 3 buttons and a short text: a button template, as Rasa does. More buttons (or
        a text over 640 characters): quick replies, which Messenger allows up to 13 of."""
        fits_template = len(buttons) <= MAX_TEMPLATE_BUTTONS and len(text) <= MAX_TEMPLATE_TEXT
        if fits_template:
            template = {
                "template_type": "button",
                "text": text.strip() or "…",
                "buttons": [postback_button(b) for b in buttons],
            }
            await self.send_message(
                recipient_id, {"attachment": {"type": "template", "payload": template}}
            )
            return
        await self.send_quick_replies(recipient_id, text, buttons)

    async def send_quick_replies(
        self,
        recipient_id: str,
        text: str,
        quick_replies_: list[dict[str, Any]],
        **kwargs: Any,
    ) -> None:
        last = await self._send_all_but_last(recipient_id, text)
        await self.send_message(
            recipient_id, {"text": last, "quick_replies": quick_replies(quick_replies_)}
        )

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self.send_message(
            recipient_id, {"attachment": {"type": "image", "payload": {"url": image}}}
        )

    async def send_elements(
        self, recipient_id: str, elements: Iterable[dict[str, Any]], **kwargs: Any
    ) -> None:
        elements = list(elements)
        for element in elements:
            if "buttons" in element:
                element["buttons"] = [postback_button(b) for b in element["buttons"]]
        payload = {"template_type": "generic", "elements": elements}
        await self.send_message(
            recipient_id, {"attachment": {"type": "template", "payload": payload}}
        )

    async def send_custom_json(
        self, recipient_id: str, json_message: list[Any] | dict[str, Any], **kwargs: Any
    ) -> None:
        """A custom payload is a Send API `message` object (as in Rasa)."""
        messages = json_message if isinstance(json_message, list) else [json_message]
        for message in messages:
            message = dict(message)
            sender = message.pop("sender", None)
            target = sender.get("id", recipient_id) if isinstance(sender, dict) else recipient_id
            await self.send_message(target, message)


class MessengerInput(FacebookInput):
    """Messenger webhook (`/webhooks/facebook/webhook`); see the package docstring."""

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> MessengerInput:
        if not credentials:
            return cls.raise_missing_credentials_exception()  # raises
        return cls(
            credentials.get("verify"),
            credentials.get("secret"),
            credentials.get("page-access-token"),
            graph_api_url=credentials.get("graph_api_url") or GRAPH_API_URL,
        )

    def __init__(
        self,
        fb_verify: str | None,
        fb_secret: str | None,
        fb_access_token: str | None,
        graph_api_url: str = GRAPH_API_URL,
    ) -> None:
        if not fb_verify or not fb_secret or not fb_access_token:
            raise RasaException("facebook: verify, secret and page-access-token are required")
        super().__init__(fb_verify, fb_secret, fb_access_token)
        self.graph_api_url = graph_api_url.rstrip("/")
        self._in_order = InOrder(CHANNEL_NAME)
        self.images = PlatformImages()
        self.guard = WebhookGuard(
            CHANNEL_NAME, max_body_bytes=MAX_BODY, origin=signed_with(fb_secret)
        )
        self._typing_gate = TypingGate(PLATFORM_TYPING_INTERVAL_SECONDS)

    def output(self, messaging_type: str = "RESPONSE") -> MessengerOutput:
        client = graph_client(self.fb_access_token, self.graph_api_url)
        client.app_secret = self.fb_secret  # every call carries appsecret_proof
        return MessengerOutput(client, messaging_type)

    def get_output_channel(self) -> MessengerOutput:
        """For messages outside a customer's turn (external events): messaging_type UPDATE."""
        return self.output("UPDATE")

    async def _handle(
        self,
        inbound: InboundText,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        metadata: dict[str, Any] | None,
    ) -> None:
        out = self.output("RESPONSE")
        await out.send_action(inbound.sender_id, "mark_seen")
        await out.send_action(inbound.sender_id, "typing_on")
        try:
            if inbound.image_url:
                where = conversation_id(CHANNEL_NAME, inbound.sender_id)
                photo = await self.images.message_metadata(inbound.image_url, where, CHANNEL_NAME)
                if photo is None:
                    await out.send_text_message(inbound.sender_id, photo_not_received())
                    return
                metadata = {**(metadata or {}), **photo}
            await on_new_message(
                UserMessage(
                    inbound.text,
                    out,
                    conversation_id(CHANNEL_NAME, inbound.sender_id),
                    input_channel=self.name(),
                    message_id=inbound.mid,
                    metadata=metadata,
                )
            )
        finally:
            await out.send_action(inbound.sender_id, "typing_off")
            out.messenger_client.session.close()

    async def _agent_typing(self, signal: AgentTyping) -> None:
        """The agent types: `typing_on` (Messenger shows it up to 20 s), at most one per
        PLATFORM_TYPING_INTERVAL_SECONDS; `typing_off` when they stop."""
        if not self._typing_gate.allow(signal.conversation_id, signal.typing):
            return
        out = self.get_output_channel()
        try:
            action = "typing_on" if signal.typing else "typing_off"
            await out.send_action(platform_id(CHANNEL_NAME, signal.conversation_id), action)
        finally:
            out.messenger_client.session.close()

    async def _slow_down(self, inbound: InboundText) -> None:
        """Over the rate limit: told once per window (the language is not known here)."""
        out = self.output("RESPONSE")
        try:
            await out.send_text_message(inbound.sender_id, slow_down_text())
        finally:
            out.messenger_client.session.close()

    async def _accept(
        self,
        inbound: InboundText,
        handle: Callable[[UserMessage], Awaitable[Any]],
        metadata: dict[str, Any] | None,
    ) -> None:
        """Queue one customer message, unless it is a redelivery or over the rate limit."""
        admission = await self.guard.admit(inbound.mid, inbound.sender_id)
        if admission.accepted:
            self._in_order.submit(
                inbound.sender_id, lambda: self._handle(inbound, handle, metadata)
            )
        elif admission.notify:
            self._in_order.submit(inbound.sender_id, lambda: self._slow_down(inbound))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        fb_webhook = Blueprint("fb_webhook", __name__)
        handle = customer_webhook(fb_webhook, on_new_message)

        @fb_webhook.listener("before_server_stop")
        async def stop(_app: Any, _loop: Any) -> None:
            await self._in_order.drain()
            await self.images.close()

        add_agent_typing_route(fb_webhook, self._agent_typing)

        @fb_webhook.route("/webhook", methods=["GET"])
        async def token_verification(request: Request) -> HTTPResponse:
            """Meta's subscription check: echo hub.challenge when the verify token matches."""
            token = str(request.args.get("hub.verify_token") or "")
            if request.args.get("hub.mode") == "subscribe" and same_secret(token, self.fb_verify):
                return response.text(str(request.args.get("hub.challenge") or ""))
            logger.warning("facebook: webhook verification with a wrong verify token refused")
            return response.json({"error": "forbidden"}, status=403)

        @fb_webhook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            body = request.body or b""
            refusal = self.guard.check(body, request.headers)
            if refusal is not None:
                return self.guard.refuse(refusal)
            try:
                texts = parse_notification(body)
            except MalformedEvent as error:
                return self.guard.refuse(Refusal(400, str(error)))
            metadata = self.get_metadata(request)
            for inbound in texts:
                await self._accept(inbound, handle, metadata)
            # Answered at once: Meta re-sends a notification that is not acknowledged quickly.
            return response.text("EVENT_RECEIVED")

        return fb_webhook
