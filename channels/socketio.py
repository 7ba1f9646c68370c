"""Rasa's socket.io channel, able to run on several Rasa replicas, passing caredesk metadata on.

Rasa's `SocketIOInput` keeps each customer's socket in the memory of the process that accepted
it, so an external event handled by another replica (the helpdesk's
`POST /conversations/{id}/trigger_intent?output_channel=latest`) would be emitted into an empty
room. With `SOCKETIO_REDIS_URL` (or the credentials key `redis_url`) set, the socket.io server
uses python-socketio's `AsyncRedisManager`: every emit is published on a Redis pub/sub channel
and the replica that holds the room (the socket's id, or the session id with
`session_persistence`) delivers it. Without it the channel behaves exactly like Rasa's.

Bot messages whose metadata carries a `caredesk` dict (`dispatcher.utter_message(...,
caredesk={...})` in an action) get it as a top-level `caredesk` key of the `bot_uttered`
payload, so the widget can show agent messages and join/leave notices differently. The
caredesk widget also gets every bot message with its place in the conversation, confirms the
helpdesk's messages and fetches what it missed (channels/delivery.py).

The Redis manager exchanges pickled messages: the Redis server must be private to the Rasa
replicas (anyone who can publish on the channel can run code in them).

A conversation belongs to the browser that started it (docs/contract.md, "Conversations are
bound to their owner"). `session_confirm` carries the session id and a token (an HMAC of the id
with `CAREDESK_SESSION_SECRET`) that the widget keeps. `session_request` resumes a session with
its token; a fresh id nobody has used is bound to the client that first asks for it (so
rasa-webchat works); any other id gets a new conversation. A socket speaks only in the session
it was confirmed for, whatever `session_id` a message names. Browsers connect only from
`CAREDESK_ALLOWED_ORIGINS` (comma-separated). Messages count against the rate limits per
session and per client address (`channels.limits`).

A shop's signed-in customer reaches the bot only as metadata `customer_id` verified from the
shop's signed `customer_token` (channels/shop_identity.py).

`session_confirm` also carries the widget's upload token for photos (channels/attachments.py);
a message may carry one of them as metadata `{"attachment": {"id": "att_…"}}`.

Typing during a live chat (channels/typing.py): the agent's reaches the conversation's room as
`caredesk_agent_typing`; the widget's `customer_typing` goes to the helpdesk for the socket's
own conversation only.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import OutputChannel, UserMessage, decode_bearer_token
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, Sanic
from socketio import AsyncRedisManager, AsyncServer

from caredesk_rules.attachments import PHOTO_TEXT, attachment_reference
from channels.attachments import upload_offer, with_attachment
from channels.delivery import (
    MISSED_EVENT,
    PLACED_EVENT,
    PLACES_OFFER,
    RECEIPT_EVENT,
    ReceiptReporter,
    missed_after,
    missed_messages,
    receipt_ids,
    stamped,
)
from channels.limits import MAX_MESSAGE_CHARS, client_address, rate_limits, slow_down_text
from channels.payloads import customer_webhook
from channels.shop_identity import SECRET_ENV as SHOP_SECRET_ENV
from channels.shop_identity import ShopIdentity
from channels.shop_time import shop_time_zone
from channels.typing import (
    AGENT_TYPING_EVENT,
    CUSTOMER_TYPING_EVENT,
    AgentTyping,
    CustomerTypingReporter,
    add_agent_typing_route,
    typing_flag,
)

logger = logging.getLogger(__name__)

REDIS_URL_ENV = "SOCKETIO_REDIS_URL"
REDIS_CHANNEL_ENV = "SOCKETIO_REDIS_CHANNEL"
DEFAULT_REDIS_CHANNEL = "caredesk-socketio"
METADATA_KEY = "caredesk"
SESSION_SECRET_ENV = "CAREDESK_SESSION_SECRET"  # noqa: S105 - a name, not a secret
ALLOWED_ORIGINS_ENV = "CAREDESK_ALLOWED_ORIGINS"
# What a client may propose as a fresh session id (the widget's and rasa-webchat's ids fit).
FRESH_SESSION_ID = re.compile(r"[0-9A-Za-z_-]{16,64}")
# Sent to the socket once a customer message is handled (answered, forwarded to a person, or
# dropped): nothing more is coming for it, so the widget stops its typing dots.
TURN_DONE_EVENT = "caredesk_turn_done"
# What session_confirm tells the caredesk widget besides the session (standard clients ignore
# it): which events to read, and the longest message this channel accepts; with it go the
# shop's time zone (channels/shop_time.py) and the photo upload offer.
SESSION_OFFER = {
    **PLACES_OFFER,
    "turn_done_event": TURN_DONE_EVENT,
    "max_message_chars": MAX_MESSAGE_CHARS,
}


def allowed_origins(raw: str | None = None) -> list[str]:
    """Origins a browser may open a socket from: the shop's pages and the back office."""
    raw = os.environ.get(ALLOWED_ORIGINS_ENV, "") if raw is None else raw
    return [origin.strip().rstrip("/") for origin in raw.split(",") if origin.strip()]


class SessionSigner:
    """Issues conversation ids and the tokens that prove a browser owns one."""

    def __init__(self, secret: str | None) -> None:
        if not secret:
            logger.warning(
                "%s is not set: sessions do not survive a restart of Rasa and cannot be shared "
                "between replicas",
                SESSION_SECRET_ENV,
            )
            secret = secrets.token_urlsafe(32)
        self._key = secret.encode()

    def token(self, session_id: str) -> str:
        return hmac.new(self._key, session_id.encode(), hashlib.sha256).hexdigest()

    def owns(self, session_id: Any, token: Any) -> bool:
        return (
            isinstance(session_id, str)
            and isinstance(token, str)
            and hmac.compare_digest(self.token(session_id), token)
        )

    def new_session(self) -> tuple[str, str]:
        session_id = uuid.uuid4().hex
        return session_id, self.token(session_id)


def caredesk_metadata(kwargs: dict[str, Any]) -> dict[str, Any]:
    """`{"caredesk": {...}}` from a bot message's extra keys (top level, or under `metadata` as
    a domain response's metadata arrives), else `{}`."""
    value = kwargs.get(METADATA_KEY)
    if not isinstance(value, dict):
        nested = kwargs.get("metadata")
        value = nested.get(METADATA_KEY) if isinstance(nested, dict) else None
    return {METADATA_KEY: dict(value)} if isinstance(value, dict) else {}


class CaredeskSocketIOOutput(SocketIOOutput):
    """Rasa's socket.io output plus the `caredesk` metadata on text and button messages, and
    every message once more for the caredesk widget with its place in the conversation
    (channels/delivery.py).

    `sio` is the socket.io server, or a write-only Redis manager when this process has none.
    """

    _at: float | None = None  # the bot event being sent (its timestamp), and its next part
    _part: int = 0

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        at = message.get("timestamp")
        self._at = float(at) if isinstance(at, (int, float)) else None
        self._part = 0
        await super().send_response(recipient_id, message)

    async def _send_message(self, socket_id: str, response: Any) -> None:
        """Rasa's event as it always was (rasa-webchat shows only messages of exactly Rasa's
        shape), then the caredesk widget's copy with its place in the conversation."""
        await super()._send_message(socket_id, response)
        if isinstance(response, dict) and self._at is not None:
            placed = stamped(response, self._at, self._part)
            self._part += 1
            await self.sio.emit(PLACED_EVENT, placed, room=socket_id)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        extra = caredesk_metadata(kwargs)
        for part in text.strip().split("\n\n"):
            await self._send_message(recipient_id, {"text": part, **extra})

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        extra = caredesk_metadata(kwargs)
        # As Rasa's: one message per paragraph, the quick replies on the last one.
        parts = text.strip().split("\n\n") or [text]
        messages: list[dict[str, Any]] = [
            {"text": part, "quick_replies": [], **extra} for part in parts
        ]
        messages[-1]["quick_replies"] = [
            {"content_type": "text", "title": button["title"], "payload": button["payload"]}
            for button in buttons
        ]
        for message in messages:
            await self._send_message(recipient_id, message)


class RenderedSocketIOOutput(CaredeskSocketIOOutput):
    """Collects what would be emitted instead of emitting it: a missed message is sent again
    exactly as it was the first time."""

    def __init__(self, bot_message_evt: str) -> None:
        super().__init__(None, bot_message_evt)
        self.sent: list[dict[str, Any]] = []

    async def _send_message(self, socket_id: str, response: Any) -> None:
        if isinstance(response, dict) and self._at is not None:
            self.sent.append(stamped(response, self._at, self._part))
            self._part += 1

    async def render(self, message: dict[str, Any]) -> list[dict[str, Any]]:
        self.sent = []
        await self.send_response("", message)
        return self.sent


class CaredeskSocketIOInput(SocketIOInput):
    """Rasa's socket.io input channel with an optional Redis pub/sub client manager."""

    @classmethod
    def name(cls) -> str:
        return "socketio"  # the contract's channel name; `output_channel=latest` looks it up

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> CaredeskSocketIOInput:
        credentials = credentials or {}
        return cls(
            credentials.get("user_message_evt", "user_uttered"),
            credentials.get("bot_message_evt", "bot_uttered"),
            credentials.get("namespace"),
            credentials.get("session_persistence", False),
            credentials.get("socketio_path", "/socket.io"),
            credentials.get("jwt_key"),
            credentials.get("jwt_method", "HS256"),
            credentials.get("metadata_key", "metadata"),
            redis_url=os.environ.get(REDIS_URL_ENV) or credentials.get("redis_url") or None,
            redis_channel=os.environ.get(REDIS_CHANNEL_ENV)
            or credentials.get("redis_channel")
            or DEFAULT_REDIS_CHANNEL,
        )

    def __init__(
        self,
        user_message_evt: str = "user_uttered",
        bot_message_evt: str = "bot_uttered",
        namespace: str | None = None,
        session_persistence: bool = False,
        socketio_path: str | None = "/socket.io",
        jwt_key: str | None = None,
        jwt_method: str | None = "HS256",
        metadata_key: str | None = "metadata",
        *,
        redis_url: str | None = None,
        redis_channel: str = DEFAULT_REDIS_CHANNEL,
    ) -> None:
        super().__init__(
            user_message_evt,
            bot_message_evt,
            namespace,
            session_persistence,
            socketio_path,
            jwt_key,
            jwt_method,
            metadata_key,
        )
        self.redis_url = redis_url
        self.redis_channel = redis_channel
        self._emitter: AsyncRedisManager | None = None
        self.signer = SessionSigner(os.environ.get(SESSION_SECRET_ENV))
        # The shop's signed-in customer: only a token signed with the shop's secret says who.
        self.shop_identity = ShopIdentity(os.environ.get(SHOP_SECRET_ENV))
        self._sessions: dict[str, str] = {}  # socket id -> the session it was confirmed for
        self._app: Sanic | None = None
        self.receipts = ReceiptReporter()
        self.typing = CustomerTypingReporter()

    async def _is_fresh(self, session_id: Any) -> bool:
        """An id nobody has used: no socket holds it and no conversation has it."""
        if not isinstance(session_id, str) or not FRESH_SESSION_ID.fullmatch(session_id):
            return False
        if session_id in self._sessions.values():
            return False
        agent = getattr(self._app.ctx, "agent", None) if self._app else None
        if agent is None:
            return False
        return not await agent.tracker_store.exists(session_id)

    async def _within_rate_limits(self, sid: str, sender_id: str, metadata: dict) -> bool:
        """Counts one message of this session and address; over a limit the message is dropped
        and the socket gets one polite notice in the widget's language per window."""
        environ = self.sio.get_environ(sid, self.namespace) if self.sio is not None else None
        request = (environ or {}).get("sanic.request")
        client = client_address(request) if request is not None else None
        verdict = await rate_limits().check(self.name(), sender_id, client)
        if not verdict.allowed and verdict.notify and self.sio is not None:
            notice = {"text": slow_down_text(metadata.get("language"))}
            await self.sio.emit(self.bot_message_evt, notice, room=sid)
        return verdict.allowed

    def client_manager(self, write_only: bool = False) -> AsyncRedisManager | None:
        """The Redis manager when Redis is configured; None keeps the in-memory one."""
        if not self.redis_url:
            return None
        return AsyncRedisManager(self.redis_url, channel=self.redis_channel, write_only=write_only)

    def get_output_channel(self) -> OutputChannel | None:
        """An output channel for external events. With Redis it reaches a socket held by any
        replica; with Redis and no server in this process it publishes through a write-only
        manager instead of giving up as Rasa's does."""
        if self.sio is not None:
            return CaredeskSocketIOOutput(self.sio, self.bot_message_evt)
        if self.redis_url:
            if self._emitter is None:
                self._emitter = self.client_manager(write_only=True)
            return CaredeskSocketIOOutput(self._emitter, self.bot_message_evt)
        return super().get_output_channel()  # Rasa's warning, and None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Rasa 3.6's blueprint with our client manager and output channel (Rasa's builds its
        `AsyncServer` inline, with no way to pass a client manager)."""
        # python-socketio reads [] as "no check at all": an empty allow-list must stay closed
        # to browsers (clients that send no Origin header, such as servers, are not browsers).
        origins = allowed_origins() or ["null-origin-not-allowed"]
        shop_time_zone()  # read now: a broken departments file fails the start, not a session
        sio = AsyncServer(
            async_mode="sanic", cors_allowed_origins=origins, client_manager=self.client_manager()
        )
        # engine.io checks the origin (websockets too, which browsers never check), but Rasa's
        # Sanic-CORS (`rasa run --cors`, the same allow-list) already writes the CORS headers
        # on every response: a second Access-Control-Allow-Origin header makes browsers refuse.
        sio.eio._cors_headers = lambda environ: []
        socketio_webhook = SocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        handle = customer_webhook(socketio_webhook, on_new_message)
        self.sio = sio

        @socketio_webhook.listener("before_server_start")
        async def remember_app(app: Sanic, _: Any) -> None:
            self._app = app  # its agent's tracker store says which sessions exist

        if self.redis_url:
            logger.info("socket.io emits through Redis pub/sub channel %r", self.redis_channel)

            @socketio_webhook.listener("before_server_start")
            async def subscribe(_: Sanic, __: Any) -> None:
                # python-socketio subscribes when the first socket connects, in the
                # background: the first customer's session_confirm, itself published through
                # Redis, could go out before the subscription and be lost. Subscribe at start.
                if not sio.manager_initialized:
                    sio.manager_initialized = True
                    sio.manager.initialize()

        @sio.on("connect", namespace=self.namespace)
        async def connect(sid: str, environ: dict, auth: dict | None) -> bool:
            if not self.jwt_key:
                return True
            token = auth.get("token") if isinstance(auth, dict) else None
            if not token:
                return False
            return bool(decode_bearer_token(token, self.jwt_key, self.jwt_algorithm))

        @sio.on("disconnect", namespace=self.namespace)
        async def disconnect(sid: str) -> None:
            self._sessions.pop(sid, None)
            logger.debug("socket %s disconnected", sid)

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: str, data: dict | None = None) -> None:  # may come bare
            data = data if isinstance(data, dict) else {}
            asked, proof = data.get("session_id"), data.get("session_token")
            if self.signer.owns(asked, proof):
                session_id, token = str(asked), str(proof)
            elif await self._is_fresh(asked):
                session_id, token = str(asked), self.signer.token(str(asked))
            else:
                session_id, token = self.signer.new_session()  # someone else's: a new one
            previous = self._sessions.get(sid)
            if previous and previous != session_id and self.session_persistence:
                sio.leave_room(sid, previous)
            self._sessions[sid] = session_id
            if self.session_persistence:
                sio.enter_room(sid, session_id)  # bot messages go to this room
            confirmation = {
                "session_id": session_id,
                "session_token": token,
                **SESSION_OFFER,
                "time_zone": shop_time_zone(),
                **upload_offer(session_id),
            }
            await sio.emit("session_confirm", confirmation, room=sid)

        self._serve_deliveries(sio, socketio_webhook)
        self._serve_typing(sio, socketio_webhook)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: str, data: Any = None) -> None:  # an event may come bare
            try:
                await handle_customer_message(sid, data)
            finally:
                await sio.emit(TURN_DONE_EVENT, {}, room=sid)

        async def handle_customer_message(sid: str, data: Any) -> None:
            if not isinstance(data, dict) or not isinstance(data.get("message", ""), str):
                logger.warning("ignored a malformed %s event", self.user_message_evt)
                return
            if len(data.get("message", "")) > MAX_MESSAGE_CHARS:
                logger.warning("ignored a message longer than %d characters", MAX_MESSAGE_CHARS)
                return
            metadata = data.get(self.metadata_key) or {}
            if isinstance(metadata, str):
                try:
                    metadata = json.loads(metadata)
                except ValueError:
                    metadata = None
            if not isinstance(metadata, dict):
                logger.warning("ignored a message whose metadata is not a JSON object")
                return
            metadata = with_attachment(self.shop_identity.verified_metadata(metadata))
            text = data.get("message", "")
            if not text.strip() and attachment_reference(metadata):
                text = PHOTO_TEXT  # a photo without words
            output_channel = CaredeskSocketIOOutput(sio, self.bot_message_evt)
            if self.session_persistence:
                owned = self._sessions.get(sid)
                named = data.get("session_id")
                if owned is None or (named is not None and named != owned):
                    # Only the session this socket was confirmed for: never another's.
                    logger.warning("ignored a message for a session this socket does not own")
                    return
                sender_id = owned
            else:
                sender_id = sid
            if not await self._within_rate_limits(sid, sender_id, metadata):
                return
            message = UserMessage(
                text,
                output_channel,
                sender_id,
                input_channel=self.name(),
                metadata=metadata,
            )
            await handle(message)

        return socketio_webhook

    # -- delivery: receipts and missed messages (channels/delivery.py) ---------------------

    def _owned_session(self, sid: str) -> str | None:
        """The conversation a socket speaks in: the session it was confirmed for."""
        return self._sessions.get(sid) if self.session_persistence else sid

    def _serve_deliveries(self, sio: AsyncServer, webhook: Blueprint) -> None:
        @webhook.listener("after_server_stop")
        async def close_reporter(_: Sanic, __: Any) -> None:
            await self.receipts.close()

        @sio.on(RECEIPT_EVENT, namespace=self.namespace)
        async def delivery_receipt(sid: str, data: Any = None) -> None:
            session_id, ids = self._owned_session(sid), receipt_ids(data)
            if session_id and ids:
                self.receipts.report(session_id, ids)

        @sio.on(MISSED_EVENT, namespace=self.namespace)
        async def missed(sid: str, data: Any = None) -> list[dict[str, Any]]:
            """Acknowledged with the bot messages of the socket's own conversation since
            `after` (an empty list for anything else)."""
            session_id, after = self._owned_session(sid), missed_after(data)
            agent = getattr(self._app.ctx, "agent", None) if self._app else None
            if session_id is None or after is None or agent is None:
                return []
            tracker = await agent.tracker_store.retrieve(session_id)
            if tracker is None:
                return []
            output = RenderedSocketIOOutput(self.bot_message_evt)
            return await missed_messages(tracker.events, after, output.render)

    # -- typing during a live chat (channels/typing.py) --------------------------------------

    def _serve_typing(self, sio: AsyncServer, webhook: Blueprint) -> None:
        @webhook.listener("after_server_stop")
        async def close_typing(_: Sanic, __: Any) -> None:
            await self.typing.close()

        @sio.on(CUSTOMER_TYPING_EVENT, namespace=self.namespace)
        async def customer_typing(sid: str, data: Any = None) -> None:
            session_id, typing = self._owned_session(sid), typing_flag(data)
            if session_id and typing is not None:
                self.typing.report(session_id, typing)

        async def show(signal: AgentTyping) -> None:
            payload = {"typing": signal.typing, "agent_name": signal.agent_name}
            await sio.emit(AGENT_TYPING_EVENT, payload, room=signal.conversation_id)

        add_agent_typing_route(webhook, show)
