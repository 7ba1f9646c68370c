"""Typing indicators of a live chat on the chat side (caredesk_rules/typing.py has the rule).

- Agent → customer: the helpdesk posts `POST /webhooks/<channel>/agent_typing?token=<Rasa's
  auth token>` `{conversation_id, typing, agent_name}` while the agent who holds the
  conversation types (backoffice/helpdesk/services/typing.py). Each channel shows it its own
  way (`add_agent_typing_route`): the widget gets `caredesk_agent_typing {typing, agent_name}`
  on the conversation's socket, Telegram `sendChatAction typing`, Messenger `sender_action
  typing_on` / `typing_off`; Zalo has no such API, so it has no route (404).
- Customer → agent: the widget emits `customer_typing {typing}` on its socket while a person
  owns or is awaited for the conversation; the socket.io channel passes it on for the socket's
  own conversation only (`CustomerTypingReporter`), and the helpdesk decides who sees it.

Signals are ephemeral: one attempt, never stored, never in the tracker, never retried.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from caredesk_rules.typing import TypingGate
from channels.delivery import DEFAULT_HELPDESK_URL, HELPDESK_URL_ENV

logger = logging.getLogger(__name__)

AGENT_TYPING_PATH = "/agent_typing"
AGENT_TYPING_EVENT = "caredesk_agent_typing"  # to the widget
CUSTOMER_TYPING_EVENT = "customer_typing"  # from the widget
TOKEN_ENV = "RASA_AUTH_TOKEN"  # noqa: S105 - the helpdesk calls Rasa with it (scripts/rasa_server)
MAX_BODY = 4096
MAX_AGENT_NAME = 100
REPORT_TIMEOUT_SECONDS = 3.0
# Conversations with a customer signal on its way at most; beyond, signals are dropped: fresh
# sessions are cheap, and each one's first "typing" costs the helpdesk a look-up.
MAX_IN_FLIGHT = 100


@dataclass(frozen=True)
class AgentTyping:
    conversation_id: str
    typing: bool
    agent_name: str


def agent_typing_of(body: bytes) -> AgentTyping | None:
    """The helpdesk's signal, or None when the body is not one."""
    if len(body) > MAX_BODY:
        return None
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    conversation, typing, name = (data.get(k) for k in ("conversation_id", "typing", "agent_name"))
    if not isinstance(conversation, str) or not conversation or len(conversation) > 128:
        return None
    if not isinstance(typing, bool):
        return None
    name = name[:MAX_AGENT_NAME] if isinstance(name, str) else ""
    return AgentTyping(conversation, typing, " ".join(name.split()))


def from_helpdesk(request: Request) -> bool:
    """The caller has Rasa's auth token (the helpdesk does): compared in constant time."""
    expected = os.environ.get(TOKEN_ENV, "")
    given = request.args.get("token") or ""
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


def add_agent_typing_route(
    blueprint: Blueprint, show: Callable[[AgentTyping], Awaitable[None]]
) -> None:
    """`POST <channel's prefix>/agent_typing`: 403 without the token, 400 for a bad body,
    else 202 once `show` is done (its failure is logged: a signal is never worth a retry)."""

    @blueprint.route(AGENT_TYPING_PATH, methods=["POST"])
    async def agent_typing(request: Request) -> HTTPResponse:
        if not from_helpdesk(request):
            return response.json({"error": "forbidden"}, status=403)
        signal = agent_typing_of(request.body or b"")
        if signal is None:
            return response.json({"error": "not a typing signal"}, status=400)
        try:
            await show(signal)
        except Exception as error:  # the platform said no: nothing to retry
            logger.info("agent typing not shown: %s", type(error).__name__)
        return response.json({"status": "ok"}, status=202)


class CustomerTypingReporter:
    """Tells the helpdesk that a widget's customer types or stopped (`POST {HELPDESK_API_URL}
    /api/v1/handoffs/{id}/typing` with `BACKOFFICE_API_KEY`), in the background, once, in order
    per conversation, after the gate: a socket cannot send more than the rule lets through."""

    def __init__(self, base_url: str | None = None, api_key: str | None = None) -> None:
        self.base_url = base_url or os.environ.get(HELPDESK_URL_ENV) or DEFAULT_HELPDESK_URL
        self.base_url = self.base_url.rstrip("/")
        self._api_key = api_key if api_key is not None else os.environ.get("BACKOFFICE_API_KEY", "")
        self.gate = TypingGate()
        self._http: aiohttp.ClientSession | None = None
        self._latest: dict[str, asyncio.Task[None]] = {}  # conversation -> its last signal

    def __repr__(self) -> str:  # never show the key
        return f"CustomerTypingReporter(base_url={self.base_url!r})"

    def report(self, conversation_id: str, typing: bool) -> bool:
        """False when the gate holds the signal back, or too many are on their way (nothing is
        sent)."""
        if not self._api_key:
            return False
        if len(self._latest) >= MAX_IN_FLIGHT and conversation_id not in self._latest:
            return False
        if not self.gate.allow(conversation_id, typing):
            return False
        previous = self._latest.get(conversation_id)
        task = asyncio.get_running_loop().create_task(
            self._after(previous, conversation_id, typing)
        )
        self._latest[conversation_id] = task
        task.add_done_callback(lambda done: self._forget(conversation_id, done))
        return True

    async def _after(
        self, previous: asyncio.Task[None] | None, conversation_id: str, typing: bool
    ) -> None:
        """In order per conversation: a "stopped" never overtakes its "typing"."""
        if previous is not None:
            await asyncio.wait([previous])
        await self._post(conversation_id, typing)

    def _forget(self, conversation_id: str, done: asyncio.Task[None]) -> None:
        if self._latest.get(conversation_id) is done:
            del self._latest[conversation_id]

    async def _post(self, conversation_id: str, typing: bool) -> None:
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession()
        url = f"{self.base_url}/api/v1/handoffs/{quote(conversation_id, safe=':@+=')}/typing"
        timeout = aiohttp.ClientTimeout(total=REPORT_TIMEOUT_SECONDS)
        headers = {"X-API-Key": self._api_key}
        try:
            async with self._http.post(
                url, json={"typing": typing}, headers=headers, timeout=timeout
            ) as answer:
                if answer.status >= 300:
                    logger.info("customer typing: the helpdesk answered %s", answer.status)
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            logger.info("customer typing not reported: %s", type(error).__name__)

    async def close(self) -> None:
        for task in list(self._latest.values()):
            task.cancel()
        if self._http is not None:
            await self._http.close()
            self._http = None


def typing_flag(data: Any) -> bool | None:
    """The `typing` of a widget's `customer_typing` event, or None when it has none."""
    value = data.get("typing") if isinstance(data, dict) else None
    return value if isinstance(value, bool) else None
