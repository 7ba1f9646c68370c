"""The transactional outbox: what the customer must be told, delivered to Rasa in order.

Services write an `OutboxEvent` in the same transaction as the state change it reports, so
"agent replied" and "the customer will be told" commit or fail together. The delivery worker
(a thread per back-office process) posts events to Rasa's HTTP API as external events:

    POST {RASA_URL}/conversations/{id}/trigger_intent?output_channel=latest&token=...
    {"name": "EXTERNAL_agent_message", "entities": {"agent_text": ..., "agent_name": ...}}

Guarantees: per conversation, events go out in `seq` order, each after the previous one got a
2xx; a failure is retried with exponential backoff and blocks the later events of that
conversation only (never skipped, never reordered); pending events are rows, so they survive a
restart. Several processes may run workers: an event is leased with a conditional UPDATE before
it is posted, and only the head (lowest pending seq) of a conversation is ever leased.
Delivery is at least once: a process that dies after Rasa answered but before it recorded the
answer posts that event again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

import requests
from sqlalchemy.orm import Session, sessionmaker

from backoffice.core.db import begin_write
from backoffice.models.helpdesk import OutboxEvent
from backoffice.repositories.helpdesk import HelpdeskRepository
from backoffice.services.unit_of_work import utcnow

logger = logging.getLogger(__name__)

# The external events the Rasa side handles (intent name -> entity names).
EVENTS: dict[str, tuple[str, ...]] = {
    "EXTERNAL_agent_joined": ("agent_name",),
    "EXTERNAL_agent_message": ("agent_text", "agent_name"),
    "EXTERNAL_agent_transferred": ("department",),
    "EXTERNAL_handoff_resolved": ("ticket_id",),
    "EXTERNAL_no_agent_available": (
        "ticket_id",
        "expected_reply",
        "expected_reply_en",
        "expected_reply_vi",
    ),
}
MAX_BACKOFF_SECONDS = 60.0
HTTP_TIMEOUT = (3.05, 10.0)  # connect, read
LEASE_SECONDS = 30.0  # longer than one attempt can take
BATCH = 50


def enqueue(
    session: Session, conversation_id: str, intent: str, entities: dict[str, Any], now: datetime
) -> OutboxEvent:
    """Add an event in the caller's transaction; the caller holds the conversation's lock."""
    expected = EVENTS.get(intent)
    if expected is None or set(entities) != set(expected):
        raise ValueError(f"unknown event {intent} or wrong entities {sorted(entities)}")
    event = OutboxEvent(
        conversation_id=conversation_id,
        seq=HelpdeskRepository(session).next_seq(conversation_id),
        intent=intent,
        entities=entities,
        created_at=now,
        attempts=0,
        next_attempt_at=now,
    )
    session.add(event)
    session.flush()  # a concurrent writer with the same seq fails here, not later
    return event


def backoff(attempts: int, base: float) -> float:
    return float(min(base * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS))


class RasaClient:
    """Posts one external event; True on a 2xx answer."""

    def __init__(self, base_url: str, token: str, timeout: tuple[float, float] = HTTP_TIMEOUT):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.http = requests.Session()

    def trigger_intent(
        self, conversation_id: str, intent: str, entities: dict[str, Any]
    ) -> tuple[bool, str]:
        # Rasa's routes match the raw path (Sanic does not unquote): the characters a
        # conversation id may hold (`telegram:123`) are all allowed in a path segment as is.
        path_id = quote(conversation_id, safe=":@+=")
        url = f"{self.base_url}/conversations/{path_id}/trigger_intent"
        params = {"output_channel": "latest"}
        if self.token:
            params["token"] = self.token
        try:
            body = {"name": intent, "entities": entities}
            response = self.http.post(url, params=params, json=body, timeout=self.timeout)
        except requests.RequestException as exc:
            return False, type(exc).__name__
        if 200 <= response.status_code < 300:
            return True, ""
        return False, f"HTTP {response.status_code}"

    def close(self) -> None:
        self.http.close()


class DeliveryWorker:
    """Background thread: every `poll_seconds` (or when woken) runs `housekeeping` (expiring
    unclaimed handoffs) and delivers every due event."""

    def __init__(
        self,
        session_factory: sessionmaker,
        client: RasaClient,
        *,
        poll_seconds: float,
        housekeeping: Callable[[], Any] | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.session_factory = session_factory
        self.client = client
        self.poll_seconds = poll_seconds
        self.housekeeping = housekeeping
        self.clock = clock
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="outbox-delivery", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 15.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self.client.close()

    def wake(self) -> None:
        self._wake.set()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        logger.info("outbox delivery worker started (poll %.2fs)", self.poll_seconds)
        while not self._stop.is_set():
            self._wake.clear()
            try:
                if self.housekeeping is not None:
                    self.housekeeping()
                self.deliver_due()
            except Exception:  # a database hiccup must not kill the thread
                logger.exception("outbox delivery round failed; retrying")
            self._wake.wait(self.poll_seconds)
        logger.info("outbox delivery worker stopped")

    # -- one round -------------------------------------------------------------------------

    def deliver_due(self) -> int:
        """Deliver until nothing is due; return how many events were delivered."""
        delivered = 0
        while not self._stop.is_set():
            with self.session_factory() as session:
                heads = [
                    (e.id, e.conversation_id, e.intent, dict(e.entities))
                    for e in HelpdeskRepository(session).pending_heads(self.clock(), BATCH)
                ]
                session.rollback()
            if not heads:
                return delivered
            progress = False
            for event_id, conversation_id, intent, entities in heads:
                if self._stop.is_set():
                    break
                if self._attempt(event_id, conversation_id, intent, entities):
                    delivered += 1
                    progress = True
            if not progress:
                return delivered  # everything due failed: wait for the backoff
        return delivered

    def _attempt(
        self, event_id: int, conversation_id: str, intent: str, entities: dict[str, Any]
    ) -> bool:
        with self.session_factory() as session:
            begin_write(session)
            now = self.clock()
            leased = HelpdeskRepository(session).lease(
                event_id, now, now + timedelta(seconds=LEASE_SECONDS)
            )
            session.commit()
        if not leased:
            return False
        ok, error = self.client.trigger_intent(conversation_id, intent, entities)
        with self.session_factory() as session:
            begin_write(session)
            event = session.get(OutboxEvent, event_id)
            if event is None:  # deleted meanwhile (tests reset the database)
                session.rollback()
                return False
            now = self.clock()
            event.attempts = (event.attempts or 0) + 1
            event.lease_until = None
            if ok:
                event.delivered_at = now
                event.last_error = None
            else:
                delay = backoff(event.attempts, self.poll_seconds)
                event.next_attempt_at = now + timedelta(seconds=delay)
                event.last_error = error[:300]
            session.commit()
            attempts = event.attempts
        if ok:
            logger.info("delivered %s #%d to conversation %s", intent, event_id, conversation_id)
        else:
            logger.warning(
                "could not deliver %s #%d to conversation %s (%s, attempt %d); retrying later",
                intent,
                event_id,
                conversation_id,
                error,
                attempts,
            )
        return ok
