"""The order updates' outbox as the delivery worker sees it, and the in-process consumer that
hands each update to its channel's listener: real rows from real events on a seeded SQLite
database, a clock the test moves."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from backoffice.core.db import make_session_factory
from backoffice.core.verification import VerificationGuard, digest_key
from backoffice.orders.models import OrderUpdate
from backoffice.orders.services.order_events import OrderEventService
from backoffice.orders.services.order_history import ReportedEvent
from backoffice.orders.services.order_outbox import (
    LEASE_SECONDS,
    Deferred,
    NotAllowed,
    OrderUpdateConsumer,
    OrderUpdateOutbox,
    PendingUpdate,
    Sent,
    backoff,
)
from backoffice.orders.services.orders import OrderService
from backoffice.orders.services.subscriptions import Proof, Subscriber, SubscriptionService
from tests.backoffice.orders.services.conftest import SEEDED_AT

OrdersAt = Callable[..., OrderService]
AN = "an.nguyen@example.com"


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock(SEEDED_AT + timedelta(hours=1))


@pytest.fixture
def outbox(orders_db: Engine, clock: Clock) -> OrderUpdateOutbox:
    return OrderUpdateOutbox(make_session_factory(orders_db), max_attempts=3, clock=clock)


def subscribe(orders_at: OrdersAt, conversation: str, channel: str = "socketio") -> None:
    orders = orders_at()
    guard = VerificationGuard(orders.session, digest_key("test"), clock=lambda: SEEDED_AT)
    SubscriptionService(orders, guard).subscribe(
        "ORD-10001", Subscriber(conversation, channel, "en"), Proof(customer_id=AN)
    )


def event(orders_at: OrdersAt, clock: Clock, kind: str, event_id: str) -> None:
    OrderEventService(orders_at(clock.now)).report(
        "ORD-10001", ReportedEvent(kind, event_id=event_id)
    )


def row(engine: Engine, update_id: int) -> OrderUpdate:
    with Session(engine) as session:
        found = session.get(OrderUpdate, update_id)
        assert found is not None
        return found


def test_a_conversation_is_handed_its_updates_one_at_a_time_in_order(
    orders_at: OrdersAt, outbox: OrderUpdateOutbox, clock: Clock
) -> None:
    subscribe(orders_at, "widget-1")
    subscribe(orders_at, "tg-1", "telegram")
    event(orders_at, clock, "out_for_delivery", "e1")
    event(orders_at, clock, "delivery_failed", "e2")

    first = outbox.pending(10)
    assert [(u.conversation_id, u.payload["type"], u.attempts) for u in first] == [
        ("widget-1", "out_for_delivery", 0),
        ("tg-1", "out_for_delivery", 0),
    ]
    assert first[1].channel == "telegram" and first[0].language == "en"
    assert outbox.pending(10) == []  # leased
    assert outbox.mark_sent(first[0].id) == "sent"
    second = outbox.pending(10)
    assert [(u.conversation_id, u.payload["type"]) for u in second] == [
        ("widget-1", "delivery_failed")
    ]
    assert outbox.mark_sent(second[0].id) == "sent"
    clock.advance(LEASE_SECONDS + 1)  # the telegram worker died: its lease runs out
    assert [u.id for u in outbox.pending(10)] == [first[1].id]


def test_failures_back_off_and_end_in_failed(
    orders_at: OrdersAt, outbox: OrderUpdateOutbox, clock: Clock, orders_db: Engine
) -> None:
    subscribe(orders_at, "widget-1")
    event(orders_at, clock, "delayed", "e1")
    (update,) = outbox.pending(1)
    assert outbox.mark_failed(update.id, "HTTP 502") == "pending"
    stored = row(orders_db, update.id)
    assert (stored.attempts, stored.last_error) == (1, "HTTP 502")
    assert stored.next_attempt_at == clock.now + timedelta(seconds=backoff(1))
    assert outbox.pending(1) == []
    clock.advance(backoff(1))
    (again,) = outbox.pending(1)
    assert again.attempts == 1
    assert outbox.mark_failed(update.id, "HTTP 502") == "pending"
    clock.advance(backoff(2))
    outbox.pending(1)
    assert outbox.mark_failed(update.id, "timeout") == "failed"
    assert row(orders_db, update.id).attempts == 3
    clock.advance(3600)
    assert outbox.pending(1) == []
    assert outbox.mark_sent(update.id) == "failed"  # an end state stays


def test_deferred_waits_until_the_time_given_and_not_allowed_is_an_end(
    orders_at: OrdersAt, outbox: OrderUpdateOutbox, clock: Clock, orders_db: Engine
) -> None:
    subscribe(orders_at, "widget-1")
    subscribe(orders_at, "fb-1", "facebook")
    event(orders_at, clock, "delayed", "e1")
    widget, messenger = outbox.pending(10)
    until = clock.now + timedelta(minutes=5)
    assert outbox.mark_deferred(widget.id, until, "not connected") == "deferred"
    assert outbox.mark_not_allowed(messenger.id, "outside the 24-hour window") == "not_allowed"
    stored = row(orders_db, messenger.id)
    assert (stored.state, stored.attempts, stored.last_error) == (
        "not_allowed",
        1,
        "outside the 24-hour window",
    )
    clock.advance(299)
    assert outbox.pending(10) == []
    clock.advance(1)
    (due,) = outbox.pending(10)
    assert (due.id, due.attempts) == (widget.id, 0)  # a deferral uses up no attempt


def test_unsubscribing_withdraws_what_was_not_sent(
    orders_at: OrdersAt, outbox: OrderUpdateOutbox, clock: Clock, orders_db: Engine
) -> None:
    subscribe(orders_at, "widget-1")
    event(orders_at, clock, "delayed", "e1")
    (update,) = outbox.pending(1)
    orders = orders_at()
    guard = VerificationGuard(orders.session, digest_key("test"))
    assert SubscriptionService(orders, guard).unsubscribe("widget-1") == ["ORD-10001"]
    assert row(orders_db, update.id).state == "unsubscribed"
    assert outbox.mark_sent(update.id) == "unsubscribed"  # the sender was too late
    clock.advance(LEASE_SECONDS + 1)
    assert outbox.pending(1) == []


def test_marking_an_unknown_row_is_an_error(outbox: OrderUpdateOutbox) -> None:
    with pytest.raises(LookupError):
        outbox.mark_sent(12345)


def test_the_consumer_hands_each_update_to_its_channels_listener(
    orders_at: OrdersAt, outbox: OrderUpdateOutbox, clock: Clock, orders_db: Engine
) -> None:
    for conversation, channel in [
        ("widget-1", "socketio"),
        ("tg-1", "telegram"),
        ("fb-1", "facebook"),
        ("zalo-1", "zalo"),
        ("rest-1", "rest"),
    ]:
        subscribe(orders_at, conversation, channel)
    event(orders_at, clock, "out_for_delivery", "e1")
    consumer = OrderUpdateConsumer(outbox)
    received: list[PendingUpdate] = []
    later = clock.now + timedelta(minutes=1)

    @consumer.on("socketio")
    def widget(update: PendingUpdate) -> Sent | Deferred:
        received.append(update)
        return Deferred(later, "not connected") if len(received) == 1 else Sent()

    @consumer.on("telegram")
    def telegram(update: PendingUpdate) -> Sent:
        received.append(update)
        return Sent()

    @consumer.on("facebook")
    def messenger(update: PendingUpdate) -> NotAllowed:
        return NotAllowed("outside the 24-hour window")

    @consumer.on("zalo")
    def zalo(update: PendingUpdate) -> Sent:
        raise ConnectionError("ZNS down")

    states = consumer.run_once()
    assert sorted(states.values()) == ["deferred", "not_allowed", "pending", "sent"]
    assert [(u.conversation_id, u.payload["type"]) for u in received] == [
        ("widget-1", "out_for_delivery"),
        ("tg-1", "out_for_delivery"),
    ]
    with Session(orders_db) as session:
        by_channel = {
            r.channel: (r.state, r.attempts, r.last_error)
            for r in session.execute(select(OrderUpdate)).scalars()
        }
    assert by_channel == {
        "socketio": ("deferred", 0, "not connected"),
        "telegram": ("sent", 1, None),
        "facebook": ("not_allowed", 1, "outside the 24-hour window"),
        "zalo": ("pending", 1, "ConnectionError"),
        "rest": ("pending", 0, None),  # nobody listens on it: left for a worker that does
    }
    clock.advance(60)
    states = consumer.run_once()
    assert states[received[0].id] == "sent"
    assert received[-1].attempts == 0  # the deferral used up none


def test_a_round_sends_to_several_conversations_at_once_each_still_in_order(
    orders_at: OrdersAt, outbox: OrderUpdateOutbox, clock: Clock
) -> None:
    conversations = [f"widget-{n}" for n in range(4)]
    for conversation in conversations:
        subscribe(orders_at, conversation)
    event(orders_at, clock, "packed", "e1")
    event(orders_at, clock, "delayed", "e2")
    consumer = OrderUpdateConsumer(outbox)
    together = threading.Barrier(len(conversations), timeout=10)  # all four or none passes
    heard: list[tuple[str, str]] = []

    @consumer.on("socketio")
    def widget(update: PendingUpdate) -> Sent:
        together.wait()
        heard.append((update.conversation_id, update.payload["type"]))
        return Sent()

    first = consumer.run_once(parallel=4)
    second = consumer.run_once(parallel=4)
    assert list(first.values()) == ["sent"] * 4 and list(second.values()) == ["sent"] * 4
    for conversation in conversations:  # each conversation's updates in the order they happened
        assert [kind for who, kind in heard if who == conversation] == ["packed", "delayed"]
