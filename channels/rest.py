"""Rasa's REST channel, with the checks a public endpoint needs.

- A malformed body (not a JSON object, no `sender` or `message` string, oversized) answers 400
  instead of Rasa's 500.
- The channel is always `rest`: Rasa's lets the caller name another (`input_channel`), which
  would let a REST client speak as the widget or a messaging app. For the same reason a
  `sender` may not contain ":", which only messaging channels' conversations have
  (`channels.senders`).
- Rate limits per sender and per client address (`channels.limits`): 429 with `Retry-After`.
- With `CAREDESK_REST_TOKEN` set every request needs `Authorization: Bearer <token>`: the REST
  channel is for the shop's own servers and tests, not for browsers. Production settings
  (`CAREDESK_ENV=production`) refuse to start the channel without it.
- Intent payloads pass only when the bot offered them (`channels.payloads`).
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.deployment import is_production
from channels.limits import (
    MAX_MESSAGE_CHARS,
    MAX_SENDER_CHARS,
    client_address,
    has_lone_surrogate,
    rate_limits,
    slow_down_text,
)
from channels.payloads import customer_webhook
from channels.senders import SEPARATOR

TOKEN_ENV = "CAREDESK_REST_TOKEN"  # noqa: S105 - the variable's name, not a secret


def _bad(reason: str) -> HTTPResponse:
    return response.json({"error": "bad_request", "message": reason}, status=400)


def body_problem(body: Any) -> str | None:
    """Why a webhook body cannot be a customer's message, or None when it can."""
    if not isinstance(body, dict):
        return "The body must be a JSON object with 'sender' and 'message'."
    sender, text, metadata = body.get("sender"), body.get("message"), body.get("metadata")
    if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
        return f"'sender' must be a non-empty string of at most {MAX_SENDER_CHARS} characters."
    if SEPARATOR in sender:
        return f"'sender' may not contain {SEPARATOR!r} (messaging channels' conversations do)."
    if not isinstance(text, str) or len(text) > MAX_MESSAGE_CHARS:
        return f"'message' must be a string of at most {MAX_MESSAGE_CHARS} characters."
    if has_lone_surrogate(sender) or has_lone_surrogate(text):
        return "'sender' and 'message' must be valid Unicode (no lone surrogates)."
    if metadata is not None and not isinstance(metadata, dict):
        return "'metadata' must be a JSON object."
    return None


class CaredeskRestInput(RestInput):
    """See the module docstring."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def __init__(self, token: str | None = None) -> None:
        if not token and is_production():
            raise RasaException(
                f"rest: production settings need {TOKEN_ENV}: without it anyone can speak as "
                "any customer of the REST channel"
            )
        self.token = token

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> CaredeskRestInput:
        return cls(os.environ.get(TOKEN_ENV) or (credentials or {}).get("token") or None)

    def _authorised(self, request: Request) -> bool:
        if not self.token:
            return True
        given = request.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {self.token}".encode())

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("caredesk_rest_webhook", __name__)
        handle = customer_webhook(webhook, on_new_message)

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self._authorised(request):
                return response.json({"error": "unauthorized"}, status=401)
            try:
                body = request.json
            except Exception:  # Sanic raises its own error for a body that is not JSON
                body = None
            problem = body_problem(body)
            if problem:
                return _bad(problem)
            verdict = await rate_limits().check(
                self.name(), body["sender"], client_address(request)
            )
            if not verdict.allowed:
                language = (body.get("metadata") or {}).get("language")
                return response.json(
                    {"error": "too_many_requests", "message": slow_down_text(language)},
                    status=429,
                    headers={"Retry-After": str(verdict.retry_after)},
                )
            collector = CollectingOutputChannel()
            await handle(
                UserMessage(
                    body["message"],
                    collector,
                    body["sender"],
                    input_channel=self.name(),
                    metadata=body.get("metadata"),
                )
            )
            return response.json(collector.messages)

        return webhook
