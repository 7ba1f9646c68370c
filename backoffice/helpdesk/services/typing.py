"""Typing indicators during a live chat, both ways: ephemeral signals, never stored.

- The customer types (the socket.io channel reports its widget's `customer_typing`): the
  consoles of the conversation's department get `{"type": "customer_typing", ...}` on their
  websocket (services/notifications.py), while a person owns or is awaited for the
  conversation, never while the bot has it.
- The agent who holds the conversation types in the console: the customer's channel is told
  through Rasa (`POST {RASA_URL}/webhooks/{channel}/agent_typing`, channels/typing.py), which
  shows it in the widget or as the platform's own "typing…" (Telegram, Messenger).

Nothing here touches the transcript or the outbox: a lost signal is not sent again (the next
keystroke sends a fresh one), and a signal never waits behind a real message. Each side of each
conversation passes at most one "typing" every TYPING_INTERVAL_SECONDS and one "stopped" after
each "typing" (caredesk_rules/typing.py, the channels apply the same rule), whatever a client
sends, so nobody can flood consoles or customers.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Hashable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote

import requests
from sqlalchemy.orm import Session

from backoffice.core.errors import ConflictError
from backoffice.helpdesk.models import Agent, Handoff
from backoffice.helpdesk.repositories import HelpdeskRepository
from backoffice.helpdesk.services.handoffs import (
    ConversationNotFoundError,
    NotYourConversationError,
    accessible,
)
from backoffice.helpdesk.services.notifications import AgentHub
from caredesk_rules.handoff_states import WAITING, WITH_AGENT

logger = logging.getLogger(__name__)

SEND_TIMEOUT = (1.0, 3.0)  # connect, read: a late "typing" is worth nothing
MAX_QUEUED_SENDS = 200  # signals waiting for Rasa; beyond that they are dropped
CUSTOMER_TYPING_EVENT = "customer_typing"  # what console/live.js reads


class NotWithAgentError(ConflictError):
    code = "not_with_agent"
    message = "Typing is shown to the customer only while an agent holds the conversation."


class RasaTyping:
    """Posts agent typing to the customer's channel through Rasa, in the background: one
    worker thread, a bounded queue, one attempt each (a signal is only worth sending now)."""

    def __init__(self, base_url: str, token: str) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        self._http = requests.Session()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="typing")
        self._queued = 0
        self._lock = threading.Lock()

    def __repr__(self) -> str:  # never show the token
        return f"RasaTyping(base_url={self.base_url!r})"

    def send(self, channel: str, conversation_id: str, typing: bool, agent_name: str) -> bool:
        """Queues the signal; False when too many are waiting (it is dropped)."""
        with self._lock:
            if self._queued >= MAX_QUEUED_SENDS:
                return False
            self._queued += 1
        try:
            self._pool.submit(self._post, channel, conversation_id, typing, agent_name)
        except RuntimeError:  # shutting down
            with self._lock:
                self._queued -= 1
            return False
        return True

    def _post(self, channel: str, conversation_id: str, typing: bool, agent_name: str) -> None:
        try:
            url = f"{self.base_url}/webhooks/{quote(channel, safe='')}/agent_typing"
            body = {"conversation_id": conversation_id, "typing": typing, "agent_name": agent_name}
            answer = self._http.post(
                url, params={"token": self._token}, json=body, timeout=SEND_TIMEOUT
            )
            if answer.status_code == 404:
                logger.debug("channel %s shows no typing", channel)
            elif not 200 <= answer.status_code < 300:
                logger.info("agent typing for %s: Rasa answered %s", channel, answer.status_code)
        except requests.RequestException as error:
            logger.info("agent typing for %s not sent: %s", channel, type(error).__name__)
        finally:
            with self._lock:
                self._queued -= 1

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._http.close()


class Gate(Protocol):
    """caredesk_rules.typing.TypingGate, or the same rule kept in Redis (typing_gate.py)."""

    def allow(self, key: Hashable, typing: bool) -> bool: ...


@dataclass
class Typing:
    """The process's typing relay: one gate and one sender, shared by every request."""

    hub: AgentHub
    sender: RasaTyping
    gate: Gate

    def customer_typing(self, session: Session, conversation_id: str, typing: bool) -> bool:
        """Tells the department's consoles; False (nothing sent) when no person owns or is
        awaited for the conversation, or the gate holds it back."""
        handoff = HelpdeskRepository(session).active_handoff(conversation_id)
        if handoff is None or handoff.state not in (WAITING, WITH_AGENT):
            return False
        if not self.gate.allow(("customer", conversation_id), typing):
            return False
        event = customer_typing_event(handoff, typing)
        self.hub.publish(event, [handoff.department])
        return True

    def agent_typing(
        self, session: Session, agent: Agent, conversation_id: str, typing: bool
    ) -> bool:
        """Tells the customer, when `agent` holds the conversation (an admin may act on any);
        False when the gate holds it back or too many signals wait."""
        handoff: Handoff | None = HelpdeskRepository(session).active_handoff(conversation_id)
        if handoff is None:
            if HelpdeskRepository(session).latest_handoff(conversation_id) is None:
                raise ConversationNotFoundError()
            raise NotWithAgentError()
        accessible(handoff, agent)
        if handoff.state != WITH_AGENT:
            raise NotWithAgentError()
        if handoff.agent_id != agent.id and not agent.is_admin:
            raise NotYourConversationError()
        if not self.gate.allow(("agent", conversation_id), typing):
            return False
        return self.sender.send(handoff.channel, conversation_id, typing, agent.display_name)

    def close(self) -> None:
        self.sender.close()


def customer_typing_event(handoff: Handoff, typing: bool) -> dict[str, Any]:
    return {
        "type": CUSTOMER_TYPING_EVENT,
        "conversation_id": handoff.conversation_id,
        "typing": typing,
    }
