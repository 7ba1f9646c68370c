"""The transactional outbox: what the customer must be told, delivered to the customer in order.

Services write an `OutboxEvent` in the same transaction as the state change it reports, so
"agent replied" and "the customer will be told" commit or fail together. The delivery worker
(a thread per back-office process) posts events to Rasa's HTTP API as external events
(backoffice/core/rasa.py), each with its idempotency key as the `delivery_id` entity:

    POST {RASA_URL}/conversations/{id}/trigger_intent?output_channel=latest&token=...
    {"name": "EXTERNAL_agent_message",
     "entities": {"agent_text": ..., "agent_name": ..., "delivery_id": "9f2c..."}}

A 2xx is not delivery: Rasa answers 200 when the action server is down (the event is lost) and
when the customer's widget is not connected (nobody receives it). An event moves through:

- pending: Rasa has not relayed it. Only the oldest pending event of a conversation is posted
  (never reordered, never skipped). Relayed means the answer's tracker holds the bot message
  tagged with the key (`caredesk.delivery_id`); actions/handoff.py relays a key only once, so
  posting again after an answer was lost never tells the customer twice.
- accepted: relayed, and the customer's client confirms what it receives (the caredesk widget
  says so with `confirms_delivery` in its messages' metadata): waiting for its receipt, which
  the socket.io channel reports (`POST /api/v1/deliveries/receipts`). A widget that was away
  fetches what it missed when it reconnects, and confirms it then. For messaging channels
  (Telegram, Messenger, Zalo) the platform's success answer is the receipt: a refused message
  fails Rasa's turn (5xx) and the event is posted again. Clients that confirm nothing
  (rasa-webchat, the REST channel) are done when Rasa relayed the event.
- delivered.
- failed: after `max_attempts` attempts (posts that failed, receipt checks that found none)
  the event is dead-lettered: the agent's console shows it as not delivered, with a way to
  retry. A receipt that comes late still counts.

Attempts back off exponentially, capped at MAX_BACKOFF_SECONDS. Pending events are rows, so
they survive a restart. Every back-office process runs a worker (BACKOFFICE_WORKERS, replicas):
an event is leased with a conditional UPDATE before each attempt, which also re-checks that
the attempt is still due (a list read before another worker's attempt ended is stale), so two
workers never post one event twice.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy.orm import Session, sessionmaker

from backoffice.core.db import begin_write
from backoffice.core.errors import ConflictError, NotFoundError
from backoffice.core.polling import PollingThread
from backoffice.core.rasa import DELIVERY_KEY, RasaClient, relayed_mark
from backoffice.core.unit_of_work import utcnow
from backoffice.helpdesk.models import OutboxEvent
from backoffice.helpdesk.repositories import HelpdeskRepository
from backoffice.helpdesk.services.notifications import AgentHub

logger = logging.getLogger(__name__)

# The external events the Rasa side handles (intent name -> entity names).
EVENTS: dict[str, tuple[str, ...]] = {
    "EXTERNAL_agent_joined": ("agent_name",),
    "EXTERNAL_agent_message": ("agent_text", "agent_name"),
    "EXTERNAL_agent_transferred": ("department", "expected_reply_at"),
    "EXTERNAL_handoff_resolved": ("ticket_id",),
    "EXTERNAL_no_agent_available": (
        "ticket_id",
        "department",
        "expected_reply",
        "expected_reply_en",
        "expected_reply_vi",
    ),
}
# Set in a customer message's metadata by clients that confirm receipt (the caredesk widget).
RECEIPT_FLAG = "confirms_delivery"
EXTERNAL_TEXT_PREFIX = "EXTERNAL: "  # how Rasa writes the user event of an external event
DeliveryState = Literal["pending", "accepted", "delivered", "failed"]  # see the module
MAX_BACKOFF_SECONDS = 60.0
LEASE_SECONDS = 30.0  # longer than one attempt can take
BATCH = 50
MAX_RECEIPT_KEYS = 50  # delivery ids confirmed in one call (the channel sends as many)
NOT_RELAYED = "Rasa answered but did not relay the event (is the action server up?)"
NO_RECEIPT = "the customer's chat has not confirmed receipt"


class DeliveryNotFoundError(NotFoundError):
    code = "delivery_not_found"
    message = "No message with this delivery id in the conversation."


class DeliveryNotFailedError(ConflictError):
    code = "delivery_not_failed"
    message = "Only a message that could not be delivered can be sent again."


def enqueue(
    session: Session,
    conversation_id: str,
    intent: str,
    entities: dict[str, Any],
    now: datetime,
    *,
    ticket_message_id: int | None = None,
) -> OutboxEvent:
    """Add an event in the caller's transaction; the caller holds the conversation's lock.
    `ticket_message_id`: the transcript line the event tells the customer about."""
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
        delivery_key=secrets.token_hex(16),
        ticket_message_id=ticket_message_id,
    )
    session.add(event)
    session.flush()  # a concurrent writer with the same seq fails here, not later
    return event


def delivery_state(event: OutboxEvent) -> DeliveryState:
    """Where the event is; a late receipt makes a failed event delivered."""
    if event.delivered_at is not None:
        return "delivered"
    if event.failed_at is not None:
        return "failed"
    if event.accepted_at is not None:
        return "accepted"
    return "pending"


def delivery_pushed(session: Session, event: OutboxEvent) -> tuple[dict[str, Any], str] | None:
    """What the consoles of which department are told about an event's delivery (None for
    an event no transcript line shows)."""
    if event.ticket_message_id is None:
        return None
    department = HelpdeskRepository(session).department_of_message(event.ticket_message_id)
    if department is None:
        return None
    pushed = {
        "type": "delivery_updated",
        "conversation_id": event.conversation_id,
        "message_id": event.ticket_message_id,
        "delivery_id": event.delivery_key,
        "state": delivery_state(event),
    }
    return pushed, department


def confirm_receipts(
    session: Session, conversation_id: str, keys: Sequence[str], now: datetime
) -> list[OutboxEvent]:
    """The customer's client has these events: mark them delivered (in the caller's write
    transaction); return those that were not delivered before. Keys of another conversation
    are ignored."""
    confirmed = []
    for event in HelpdeskRepository(session).outbox_events_by_key(
        conversation_id, keys, for_update=True
    ):
        if event.delivered_at is None:
            event.delivered_at = now
            event.accepted_at = event.accepted_at or now
            event.lease_until = None
            confirmed.append(event)
    return confirmed


def retry_failed(event: OutboxEvent, now: datetime) -> None:
    """An agent asks again: a failed event gets a fresh set of attempts. One Rasa never
    relayed is posted again; one it relayed waits for the customer's receipt again."""
    if delivery_state(event) != "failed":
        raise DeliveryNotFailedError(details={"state": delivery_state(event)})
    event.failed_at = None
    event.attempts = 0
    event.last_error = None
    event.next_attempt_at = now


def confirms_receipt(tracker: Mapping[str, Any] | None) -> bool:
    """Whether the customer's client confirms what it receives: the latest message the
    customer sent says so in its metadata."""
    for event in reversed((tracker or {}).get("events") or []):
        if not isinstance(event, dict) or event.get("event") != "user":
            continue
        if str(event.get("text") or "").startswith(EXTERNAL_TEXT_PREFIX):
            continue
        metadata = event.get("metadata")
        return isinstance(metadata, dict) and metadata.get(RECEIPT_FLAG) is True
    return False


def backoff(attempts: int, base: float) -> float:
    return float(min(base * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS))


class DeliveryWorker(PollingThread):
    """Background thread: every `poll_seconds` (or when woken) runs `housekeeping` (expiring
    unclaimed handoffs), posts every due event and checks the receipts that are overdue."""

    thread_name = "outbox-delivery"

    def __init__(
        self,
        session_factory: sessionmaker,
        client: RasaClient,
        *,
        poll_seconds: float,
        max_attempts: int,
        housekeeping: Callable[[], Any] | None = None,
        hub: AgentHub | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        super().__init__(poll_seconds)
        self.session_factory = session_factory
        self.client = client
        self.max_attempts = max_attempts
        self.housekeeping = housekeeping
        self.hub = hub
        self.clock = clock

    def closed(self) -> None:
        self.client.close()

    def work_round(self) -> None:
        if self.housekeeping is not None:
            self.housekeeping()
        self.deliver_due()
        self.check_receipts()

    # -- one round -------------------------------------------------------------------------

    def deliver_due(self) -> int:
        """Post until nothing is due; return how many events Rasa relayed."""
        relayed = 0
        while not self.stopping:
            with self.session_factory() as session:
                heads = [
                    (e.id, e.conversation_id, e.intent, dict(e.entities), e.delivery_key)
                    for e in HelpdeskRepository(session).pending_heads(self.clock(), BATCH)
                ]
                session.rollback()
            if not heads:
                return relayed
            progress = False
            for event_id, conversation_id, intent, entities, key in heads:
                if self.stopping:
                    break
                if self._post(event_id, conversation_id, intent, entities, key):
                    relayed += 1
                    progress = True
            if not progress:
                return relayed  # everything due failed: wait for the backoff
        return relayed

    def check_receipts(self) -> int:
        """Count an attempt for every relayed event whose receipt is overdue (dead-lettering
        those out of attempts); return how many were counted."""
        with self.session_factory() as session:
            due = [e.id for e in HelpdeskRepository(session).receipts_due(self.clock(), BATCH)]
            session.rollback()
        counted = 0
        for event_id in due:
            if self.stopping or not self._lease(event_id, relayed=True):
                continue
            with self.session_factory() as session:
                begin_write(session)
                event = session.get(OutboxEvent, event_id, with_for_update=True)
                if event is None:
                    session.rollback()
                    continue
                event.lease_until = None
                if event.delivered_at is None:  # the receipt may have come meanwhile
                    self._failed_attempt(event, self.clock(), NO_RECEIPT)
                    counted += 1
                session.commit()
                self._publish(session, event)
        return counted

    def _lease(self, event_id: int, *, relayed: bool) -> bool:
        with self.session_factory() as session:
            begin_write(session)
            now = self.clock()
            leased = HelpdeskRepository(session).lease(
                event_id, now, now + timedelta(seconds=LEASE_SECONDS), relayed=relayed
            )
            session.commit()
        return leased

    def _post(
        self,
        event_id: int,
        conversation_id: str,
        intent: str,
        entities: dict[str, Any],
        key: str | None,
    ) -> bool:
        if not self._lease(event_id, relayed=False):
            return False
        if key is None:  # written before events had keys
            key = self._give_key(event_id)
        tagged = {**entities, DELIVERY_KEY: key}
        answer = self.client.trigger_intent(conversation_id, intent, tagged)
        mark = relayed_mark(answer.tracker, key) if answer.ok else None
        with self.session_factory() as session:
            begin_write(session)
            event = session.get(OutboxEvent, event_id, with_for_update=True)
            if event is None:  # deleted meanwhile (tests reset the database)
                session.rollback()
                return False
            now = self.clock()
            event.lease_until = None
            if mark is not None:
                event.accepted_at = event.accepted_at or now
                event.last_error = None
                if mark.get("silent") or not confirms_receipt(answer.tracker):
                    event.delivered_at = event.delivered_at or now  # nothing more to wait for
                else:
                    event.next_attempt_at = now + timedelta(
                        seconds=backoff(event.attempts + 1, self.poll_seconds)
                    )
            else:
                self._failed_attempt(event, now, answer.error or NOT_RELAYED)
            session.commit()
            state, attempts = delivery_state(event), event.attempts
            self._publish(session, event)
        if mark is not None:
            logger.info("%s #%d relayed to conversation %s (%s)", intent, event_id,
                        conversation_id, state)  # fmt: skip
        else:
            logger.warning(
                "could not deliver %s #%d to conversation %s (%s, attempt %d): %s",
                intent,
                event_id,
                conversation_id,
                answer.error or NOT_RELAYED,
                attempts,
                "given up" if state == "failed" else "retrying later",
            )
        return mark is not None

    def _give_key(self, event_id: int) -> str:
        with self.session_factory() as session:
            begin_write(session)
            event = session.get(OutboxEvent, event_id, with_for_update=True)
            assert event is not None
            event.delivery_key = event.delivery_key or secrets.token_hex(16)
            session.commit()
            return str(event.delivery_key)

    def _failed_attempt(self, event: OutboxEvent, now: datetime, error: str) -> None:
        event.attempts = (event.attempts or 0) + 1
        event.last_error = error[:300]
        if event.attempts >= self.max_attempts:
            event.failed_at = now
        else:
            event.next_attempt_at = now + timedelta(
                seconds=backoff(event.attempts, self.poll_seconds)
            )

    def _publish(self, session: Session, event: OutboxEvent) -> None:
        """Tell the consoles about an event that reached an end state (delivered, failed)."""
        if self.hub is None or delivery_state(event) not in ("delivered", "failed"):
            return
        pushed = delivery_pushed(session, event)
        if pushed is not None:
            self.hub.publish(pushed[0], [pushed[1]])
