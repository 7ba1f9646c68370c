"""The order events' transactional outbox: one row per event per subscribed conversation.

`publish` writes the rows in the caller's transaction, the one that records the event and moves
the order, so "the order shipped" and "its subscribers will be told" commit or fail together; a
refused event writes nothing. The delivery worker reads the rows through `OrderUpdateOutbox`
(`pending`, then one `mark_*` per attempt) and `OrderUpdateConsumer` hands each one to the
listener registered for its channel; the listener does the sending (a side effect) and says how
it went. A row is, and `mark_*` moves it to:

- pending: not tried yet, or tried and failed with attempts left (`next_attempt_at` is the
  retry, backing off exponentially);
- deferred: not sendable now but later (the widget is not connected, a platform's rate limit):
  tried again at the time the sender gave;
- sent: the platform took it (the end);
- not_allowed: the platform's rules forbid it now and nothing configured allows it (Messenger
  outside the 24-hour window without a template): recorded, never sent (the end);
- failed: `max_attempts` attempts failed (the end);
- unsubscribed: the conversation unsubscribed before it was sent (the end).

Each `mark_*` but `mark_deferred` counts an attempt: a deferral is a "not now" (the platform's
pacing, Rasa restarting), not a try that failed, so waiting never uses up the attempts. Only
the oldest open row of a conversation is handed out, so a conversation hears its updates in the
order they happened; `pending` leases what it hands out (`lease_until`), so two workers never
send one row twice.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from backoffice.core.unit_of_work import utcnow, writing
from backoffice.orders.models import OrderHistory, OrderSubscription, OrderUpdate

logger = logging.getLogger(__name__)

OPEN_STATES = ("pending", "deferred")
MAX_ATTEMPTS = 8
BASE_BACKOFF_SECONDS = 2.0
MAX_BACKOFF_SECONDS = 600.0
LEASE_SECONDS = 60.0  # longer than one send may take


def update_payload(history: OrderHistory) -> dict[str, Any]:
    """What a subscriber is told about an event (JSON): the order, the new status, the dates,
    the carrier and tracking number when the event gave them."""
    expected = history.expected_delivery
    return {
        "order_id": history.order_id,
        "type": history.type,
        "status": history.status_after,
        "status_before": history.status_before,
        "expected_delivery": expected.isoformat() if expected is not None else None,
        "carrier": history.carrier,
        "tracking_number": history.tracking_number,
        "note": history.note,
        "at": history.created_at.isoformat(),
    }


def publish(session: Session, history: OrderHistory) -> list[OrderUpdate]:
    """One outbox row for each conversation subscribed to the event's order, in the caller's
    transaction. The caller holds the order's lock (subscribing takes it too); the subscriptions
    are locked as well, so an unsubscribe at the same moment either ends one before it is read
    here or waits and then withdraws the row written here."""
    subscribers = session.execute(
        select(OrderSubscription)
        .where(OrderSubscription.order_id == history.order_id, OrderSubscription.ended_at.is_(None))
        .order_by(OrderSubscription.id)
        .with_for_update()
    ).scalars()
    payload = update_payload(history)
    rows = [
        OrderUpdate(
            history_id=history.id,
            subscription_id=subscription.id,
            conversation_id=subscription.conversation_id,
            channel=subscription.channel,
            language=subscription.language,
            payload=payload,
            delivery_key=secrets.token_hex(16),
            state="pending",
            attempts=0,
            next_attempt_at=history.created_at,
            created_at=history.created_at,
            updated_at=history.created_at,
        )
        for subscription in subscribers
    ]
    session.add_all(rows)
    session.flush()
    return rows


def withdraw(session: Session, subscription_ids: Iterable[int], now: datetime) -> int:
    """The open rows of ended subscriptions are never sent (caller's transaction)."""
    ids = list(subscription_ids)
    if not ids:
        return 0
    result = session.execute(
        update(OrderUpdate)
        .where(OrderUpdate.subscription_id.in_(ids), OrderUpdate.state.in_(OPEN_STATES))
        .values(state="unsubscribed", lease_until=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


@dataclass(frozen=True)
class PendingUpdate:
    """A row handed to a sender: where, in which language, what, and the how-manyth try."""

    id: int
    conversation_id: str
    channel: str
    language: str
    payload: Mapping[str, Any]
    delivery_key: str
    attempts: int  # attempts made before this one (deferrals not counted)
    created_at: datetime | None = None  # when the event was published to this conversation


def backoff(attempts: int) -> float:
    return float(min(BASE_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS))


def deferral_delay(update: PendingUpdate, now: datetime) -> float:
    """How long to wait before trying a deferred update again: a quarter of how long it has
    waited so far, from 2 s to 10 min (deferrals count no attempt, so the wait grows with the
    update's age instead)."""
    waited = (now - update.created_at).total_seconds() if update.created_at else 0.0
    return float(min(max(BASE_BACKOFF_SECONDS, waited / 4), MAX_BACKOFF_SECONDS))


class OrderUpdateOutbox:
    """The delivery worker's view of the outbox; each call is its own short transaction."""

    def __init__(
        self,
        session_factory: sessionmaker,
        *,
        max_attempts: int = MAX_ATTEMPTS,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.session_factory = session_factory
        self.max_attempts = max_attempts
        self.clock = clock

    def pending(self, limit: int) -> list[PendingUpdate]:
        """Up to `limit` due rows, each the oldest open row of its conversation, leased."""
        with self.session_factory() as session, writing(session):
            now = self.clock()
            heads = (
                select(func.min(OrderUpdate.id))
                .where(OrderUpdate.state.in_(OPEN_STATES))
                .group_by(OrderUpdate.conversation_id)
            )
            rows = session.execute(
                select(OrderUpdate)
                .where(
                    OrderUpdate.id.in_(heads),
                    OrderUpdate.next_attempt_at <= now,
                    or_(OrderUpdate.lease_until.is_(None), OrderUpdate.lease_until <= now),
                )
                .order_by(OrderUpdate.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            ).scalars()
            handed = []
            for row in rows:
                row.lease_until = now + timedelta(seconds=LEASE_SECONDS)
                handed.append(
                    PendingUpdate(
                        id=row.id,
                        conversation_id=row.conversation_id,
                        channel=row.channel,
                        language=row.language,
                        payload=dict(row.payload),
                        delivery_key=row.delivery_key,
                        attempts=row.attempts,
                        created_at=row.created_at,
                    )
                )
            return handed

    def mark_sent(self, update_id: int) -> str:
        return self._attempt(update_id, lambda row, now: "sent")

    def mark_deferred(self, update_id: int, until: datetime, reason: str) -> str:
        """Not now: tried again at `until` (not before the next backoff step when it passed)."""

        def defer(row: OrderUpdate, now: datetime) -> str:
            row.next_attempt_at = max(until, now)
            row.last_error = reason[:300]
            return "deferred"

        return self._attempt(update_id, defer, counts=False)

    def mark_not_allowed(self, update_id: int, reason: str) -> str:
        def refuse(row: OrderUpdate, now: datetime) -> str:
            row.last_error = reason[:300]
            return "not_allowed"

        return self._attempt(update_id, refuse)

    def mark_failed(self, update_id: int, error: str) -> str:
        """A failed attempt: retried after a backoff, `failed` once out of attempts."""

        def fail(row: OrderUpdate, now: datetime) -> str:
            row.last_error = error[:300]
            if row.attempts >= self.max_attempts:
                return "failed"
            row.next_attempt_at = now + timedelta(seconds=backoff(row.attempts))
            return "pending"

        return self._attempt(update_id, fail)

    def _attempt(
        self,
        update_id: int,
        outcome: Callable[[OrderUpdate, datetime], str],
        counts: bool = True,
    ) -> str:
        """Count an attempt (unless `counts` is off) on an open row and set its new state; the
        state it has now (a row that is no longer open, say unsubscribed meanwhile, is left as
        it is)."""
        with self.session_factory() as session, writing(session):
            row = session.get(OrderUpdate, update_id, with_for_update=True)
            if row is None:
                raise LookupError(f"no order update {update_id}")
            if row.state not in OPEN_STATES:
                return str(row.state)
            now = self.clock()
            if counts:
                row.attempts += 1
            row.state = outcome(row, now)
            row.lease_until = None
            row.updated_at = now
            return str(row.state)


@dataclass(frozen=True)
class Sent:
    pass


@dataclass(frozen=True)
class Deferred:
    until: datetime
    reason: str


@dataclass(frozen=True)
class NotAllowed:
    reason: str


Outcome = Sent | Deferred | NotAllowed
# A sender: delivers one update on its channel and says how it went; raising is a failed attempt.
Listener = Callable[[PendingUpdate], Outcome]


class OrderUpdateConsumer:
    """In-process: hands each due update to the listener registered for its channel and records
    the outcome. An update for a channel nobody listens on stays where it is."""

    def __init__(self, outbox: OrderUpdateOutbox) -> None:
        self.outbox = outbox
        self._listeners: dict[str, Listener] = {}

    def on(self, *channels: str) -> Callable[[Listener], Listener]:
        """Register the sender of these channels (one per channel; a later one replaces it)."""

        def register(listener: Listener) -> Listener:
            for channel in channels:
                self._listeners[channel] = listener
            return listener

        return register

    def run_once(self, limit: int = 50, parallel: int = 1) -> dict[int, str]:
        """One round: each due update handed to its listener, up to `parallel` at once (each is
        another conversation's: `pending` hands out one per conversation, so a conversation
        still hears its updates in order); the state each one is left in."""
        due = [item for item in self.outbox.pending(limit) if item.channel in self._listeners]
        # An update nobody listens on is left: its lease runs out and a worker with a sender
        # for its channel takes it then.
        if parallel <= 1 or len(due) <= 1:
            return dict(map(self._deliver, due))
        with ThreadPoolExecutor(min(parallel, len(due)), "order-update-send") as pool:
            return dict(pool.map(self._deliver, due))

    def _deliver(self, item: PendingUpdate) -> tuple[int, str]:
        try:
            outcome = self._listeners[item.channel](item)
        except Exception as exc:  # a sender's failure is an attempt, not the worker's end
            logger.warning("order update #%d on %s failed: %r", item.id, item.channel, exc)
            return item.id, self.outbox.mark_failed(item.id, type(exc).__name__)
        return item.id, self._record(item.id, outcome)

    def _record(self, update_id: int, outcome: Outcome) -> str:
        if isinstance(outcome, Sent):
            return self.outbox.mark_sent(update_id)
        if isinstance(outcome, Deferred):
            return self.outbox.mark_deferred(update_id, outcome.until, outcome.reason)
        return self.outbox.mark_not_allowed(update_id, outcome.reason)
