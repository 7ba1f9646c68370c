"""Facebook Messenger: Rasa's connector, made fit for a public webhook and for hand-offs.

Kept from Rasa 3.6: the channel name "facebook", the path /webhooks/facebook/webhook, the
credential keys (verify, secret, page-access-token) and the message formats.
Changed, and why:
- The Graph API base URL is configurable (`graph_api_url`), so tests run against a fake.
- Signatures: `X-Hub-Signature-256` (sha256, what Meta sends today) or `X-Hub-Signature`
  (sha1), compared in constant time; Rasa answered a bad signature with 200 "not validated"
  and took the hash function from the header. Here a bad one gets 403.
- A malformed body gets 400 and reaches nobody (Rasa raised a 500 on a missing key); every
  event of a batch is handled (Rasa stopped after the first).
- Graph API calls run in a worker thread with a timeout (fbmessenger uses blocking `requests`,
  which stalled Rasa's event loop) and a refusal from Graph is raised, not ignored.
- More than 3 buttons become quick replies (up to 13); Rasa sent the text without any buttons.
  Texts over 2000 characters are split; titles are cut to Messenger's 20 characters.
- `get_output_channel()` (which Rasa has) sends with messaging_type UPDATE: external events
  (agent replies during a hand-off) are not responses to a customer message.
- A checked notification is answered 200 at once and its messages are handled in the
  background, in order per customer (`channels.background`); a redelivered message mid is
  handled once across replicas (`channels.redelivery`) and a customer over the rate limit is
  told once, politely (`channels.limits`). Rasa handled the turn before answering, so Meta
  re-sent slow ones and they were answered twice.
- The conversation id is `facebook:<page-scoped id>` (`channels.senders`).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

import requests
from fbmessenger import MessengerClient
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.facebook import FacebookInput, MessengerBot
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from caredesk_rules.text import split_text
from channels.background import InOrder
from channels.limits import rate_limits, slow_down_text
from channels.payloads import customer_webhook
from channels.redelivery import redeliveries
from channels.senders import conversation_id, platform_id

logger = logging.getLogger(__name__)

GRAPH_API_URL = "https://graph.facebook.com"
GRAPH_API_VERSION = "21.0"
MAX_TEXT = 2000  # characters of a text message
MAX_TEMPLATE_TEXT = 640  # characters of a button template's text
MAX_TEMPLATE_BUTTONS = 3
MAX_QUICK_REPLIES = 13
MAX_TITLE = 20  # characters of a button or quick reply title
MAX_PAYLOAD = 1000  # characters of a postback or quick reply payload
MAX_BODY = 1_000_000  # bytes; a real webhook batch is a few KB
REQUEST_TIMEOUT = 15.0  # seconds per Graph API call
CHANNEL_NAME = "facebook"  # Rasa's name for the channel


class MalformedEvent(ValueError):
    """The body is not a Messenger webhook notification as Meta documents it."""


class GraphApiError(RuntimeError):
    """The Send API refused a message (the text says why, without the token)."""


@dataclass(frozen=True)
class InboundText:
    sender_id: str  # the customer's page-scoped id (PSID)
    text: str
    mid: str | None = None  # the message's id: the same on a redelivery


def graph_client(page_access_token: str, api_url: str = GRAPH_API_URL) -> MessengerClient:
    """fbmessenger's client (its session and access token) on a configurable Graph API URL."""
    client = MessengerClient(page_access_token, api_version=GRAPH_API_VERSION)
    client.graph_url = f"{api_url.rstrip('/')}/v{GRAPH_API_VERSION}"
    return client


def valid_signature(app_secret: str, body: bytes, headers: Any) -> bool:
    """Meta signs the raw body with the app secret: sha256 in X-Hub-Signature-256, sha1 in
    X-Hub-Signature. The stronger header decides when both are present."""
    for header, algorithm in (("X-Hub-Signature-256", "sha256"), ("X-Hub-Signature", "sha1")):
        value = headers.get(header)
        if value is None:
            continue
        prefix, _, given = str(value).partition("=")
        if prefix != algorithm or not given:
            return False
        expected = hmac.new(app_secret.encode("utf-8"), body, getattr(hashlib, algorithm))
        return hmac.compare_digest(expected.hexdigest(), given.strip().lower())
    return False


def _text_of(event: dict[str, Any]) -> str | None:
    message = event.get("message")
    if message is not None:
        if not isinstance(message, dict):
            raise MalformedEvent("message is not an object")
        if message.get("is_echo"):
            return None  # the page's own message coming back
        quick_reply = message.get("quick_reply")
        if isinstance(quick_reply, dict) and isinstance(quick_reply.get("payload"), str):
            return str(quick_reply["payload"])
        text = message.get("text")
        if text is not None and not isinstance(text, str):
            raise MalformedEvent("message.text is not a string")
        if text:
            return text
        attachments = message.get("attachments")
        if isinstance(attachments, list) and attachments and isinstance(attachments[0], dict):
            url = (attachments[0].get("payload") or {}).get("url")
            return url if isinstance(url, str) and url else None  # as Rasa: the file's URL
        return None
    postback = event.get("postback")
    if postback is not None:
        if not isinstance(postback, dict):
            raise MalformedEvent("postback is not an object")
        payload = postback.get("payload")
        if payload is not None and not isinstance(payload, str):
            raise MalformedEvent("postback.payload is not a string")
        return payload or None
    return None  # delivery, read, reaction...: nothing to answer


def _mid_of(event: dict[str, Any]) -> str | None:
    """The id Meta gives a message or a postback (a button press)."""
    for kind in ("message", "postback"):
        part = event.get(kind)
        if isinstance(part, dict) and isinstance(part.get("mid"), str) and part["mid"]:
            return str(part["mid"])
    return None


def parse_notification(body: bytes) -> list[InboundText]:
    """Every customer text of a webhook batch, in order. Raises `MalformedEvent` before anything
    is handled when any part of the body is not as documented."""
    try:
        notification = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as error:  # nested too deep
        raise MalformedEvent("body is not JSON") from error
    if not isinstance(notification, dict) or notification.get("object") != "page":
        raise MalformedEvent('expected {"object": "page", "entry": [...]}')
    entries = notification.get("entry")
    if not isinstance(entries, list):
        raise MalformedEvent("entry is not a list")
    texts: list[InboundText] = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise MalformedEvent("an entry is not an object")
        events = entry.get("messaging", [])
        if not isinstance(events, list):
            raise MalformedEvent("entry.messaging is not a list")
        for event in events:
            if not isinstance(event, dict):
                raise MalformedEvent("a messaging event is not an object")
            sender = event.get("sender")
            if not isinstance(sender, dict) or not isinstance(sender.get("id"), str):
                raise MalformedEvent("sender.id missing")
            text = _text_of(event)
            if text:
                texts.append(InboundText(sender["id"], text, _mid_of(event)))
    return texts


def _title(title: object) -> str:
    text = str(title or "").strip() or "…"
    return text if len(text) <= MAX_TITLE else text[: MAX_TITLE - 1] + "…"


def _postback_button(button: dict[str, Any]) -> dict[str, Any]:
    kind = button.get("type") or "postback"
    converted = {"type": kind, "title": _title(button.get("title"))}
    if kind == "web_url":
        converted["url"] = str(button.get("url", ""))
    else:
        converted["payload"] = str(button.get("payload", ""))[:MAX_PAYLOAD]
    return converted


def quick_replies(buttons: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rasa buttons as Messenger quick replies (text ones; at most 13)."""
    replies = [
        {
            "content_type": "text",
            "title": _title(b.get("title")),
            "payload": str(b.get("payload") or b.get("title") or "")[:MAX_PAYLOAD],
        }
        for b in buttons
    ]
    if len(replies) > MAX_QUICK_REPLIES:
        logger.warning("facebook: %d quick replies, Messenger shows 13", len(replies))
    return replies[:MAX_QUICK_REPLIES]


class MessengerOutput(MessengerBot):
    """Sends through the Send API (`POST /v{N}/me/messages`) off the event loop."""

    def __init__(self, messenger_client: MessengerClient, messaging_type: str = "RESPONSE") -> None:
        super().__init__(messenger_client)
        self.messaging_type = messaging_type

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        """Rasa addresses the conversation (`facebook:<psid>`); the Send API the PSID."""
        await super().send_response(platform_id(CHANNEL_NAME, recipient_id), message)

    def _post_blocking(self, body: dict[str, Any]) -> dict[str, Any]:
        client = self.messenger_client
        try:
            reply = client.session.post(
                f"{client.graph_url}/me/messages",
                params=client.auth_args,
                json=body,
                timeout=REQUEST_TIMEOUT,
            )
        except requests.RequestException as failure:
            # requests puts the URL, access token included, in its messages: keep only the kind.
            raise GraphApiError(f"Send API unreachable: {type(failure).__name__}") from None
        try:
            answer = reply.json()
        except ValueError:
            answer = {}
        if reply.status_code >= 400 or not isinstance(answer, dict) or "error" in answer:
            refusal = answer.get("error") if isinstance(answer, dict) else None
            reason = refusal.get("message", "") if isinstance(refusal, dict) else ""
            raise GraphApiError(f"Send API answered {reply.status_code}: {reason}".strip())
        return answer

    async def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        return await asyncio.to_thread(self._post_blocking, body)

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
        for part in split_text(text, MAX_TEXT):
            await self.send_message(recipient_id, {"text": part})

    async def _send_all_but_last(self, recipient_id: str, text: str) -> str:
        """Sends the leading parts of a long text; returns the last one (for the buttons)."""
        parts = split_text(text, MAX_TEXT) or ["…"]
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
                "buttons": [_postback_button(b) for b in buttons],
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
                element["buttons"] = [_postback_button(b) for b in element["buttons"]]
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
    """Messenger webhook (`/webhooks/facebook/webhook`); see the module docstring."""

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
        if inbound.mid and not await redeliveries().first_time(CHANNEL_NAME, inbound.mid):
            return
        verdict = await rate_limits().check(CHANNEL_NAME, inbound.sender_id)
        if verdict.allowed:
            self._in_order.submit(
                inbound.sender_id, lambda: self._handle(inbound, handle, metadata)
            )
        elif verdict.notify:
            self._in_order.submit(inbound.sender_id, lambda: self._slow_down(inbound))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        fb_webhook = Blueprint("fb_webhook", __name__)
        handle = customer_webhook(fb_webhook, on_new_message)

        @fb_webhook.listener("before_server_stop")
        async def stop(_app: Any, _loop: Any) -> None:
            await self._in_order.drain()

        @fb_webhook.route("/webhook", methods=["GET"])
        async def token_verification(request: Request) -> HTTPResponse:
            """Meta's subscription check: echo hub.challenge when the verify token matches."""
            token = str(request.args.get("hub.verify_token") or "")
            if request.args.get("hub.mode") == "subscribe" and hmac.compare_digest(
                token.encode(), self.fb_verify.encode()
            ):
                return response.text(str(request.args.get("hub.challenge") or ""))
            logger.warning("facebook: webhook verification with a wrong verify token refused")
            return response.json({"error": "forbidden"}, status=403)

        @fb_webhook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            body = request.body or b""
            if len(body) > MAX_BODY:
                return response.json({"error": "body too large"}, status=413)
            if not valid_signature(self.fb_secret, body, request.headers):
                logger.warning("facebook: notification refused: missing or wrong signature")
                return response.json({"error": "forbidden"}, status=403)
            try:
                texts = parse_notification(body)
            except MalformedEvent as error:
                logger.warning("facebook: malformed notification refused: %s", error)
                return response.json({"error": str(error)}, status=400)
            metadata = self.get_metadata(request)
            for inbound in texts:
                await self._accept(inbound, handle, metadata)
            # Answered at once: Meta re-sends a notification that is not acknowledged quickly.
            return response.text("EVENT_RECEIVED")

        return fb_webhook
