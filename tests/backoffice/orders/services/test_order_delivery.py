"""The order updates' delivery through Rasa: the consumer with the Rasa sender, and its thread,
against a local recorder standing in for Rasa's HTTP API; real rows from real events on the
seeded database, a clock the test moves."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from backoffice.core.db import make_session_factory
from backoffice.core.rasa import RasaClient
from backoffice.core.verification import VerificationGuard, digest_key
from backoffice.orders.models import OrderUpdate
from backoffice.orders.services.order_delivery import (
    OrderUpdateWorker,
    order_update_consumer,
    update_entities,
)
from backoffice.orders.services.order_events import OrderEventService
from backoffice.orders.services.order_history import ReportedEvent
from backoffice.orders.services.order_outbox import (
    MAX_ATTEMPTS,
    MAX_BACKOFF_SECONDS,
    OrderUpdateOutbox,
    PendingUpdate,
    backoff,
)
from backoffice.orders.services.orders import OrderService
from backoffice.orders.services.subscriptions import Proof, Subscriber, SubscriptionService
from caredesk_rules.order_updates import UPDATE_INTENT
from devstack.processes import free_port
from tests.backoffice.orders.services.conftest import SEEDED_AT
from tests.support.helpdesk import RASA_TOKEN, RasaRecorder, new_conversation_id, rasa_recorder

OrdersAt = Callable[..., OrderService]
BINH = "binh.tran@example.com"  # ORD-10002, processing
ORDER = "ORD-10002"
EXPECTED = date(2026, 3, 12)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture(scope="module")
def rasa() -> Iterator[RasaRecorder]:
    with rasa_recorder() as recorder:
        yield recorder


@pytest.fixture
def clock() -> Clock:
    return Clock(SEEDED_AT + timedelta(hours=1))


@pytest.fixture
def outbox(orders_db: Engine, clock: Clock) -> OrderUpdateOutbox:
    return OrderUpdateOutbox(make_session_factory(orders_db), max_attempts=3, clock=clock)


def client(base_url: str) -> RasaClient:
    return RasaClient(base_url, RASA_TOKEN, timeout=(2, 5))


def subscribe(orders_at: OrdersAt, conversation: str, channel: str = "socketio") -> None:
    orders = orders_at()
    guard = VerificationGuard(orders.session, digest_key("test"), clock=lambda: SEEDED_AT)
    SubscriptionService(orders, guard).subscribe(
        ORDER, Subscriber(conversation, channel, "vi"), Proof(contact=BINH)
    )


def unsubscribe(orders_at: OrdersAt, conversation: str) -> None:
    orders = orders_at()
    guard = VerificationGuard(orders.session, digest_key("test"), clock=lambda: SEEDED_AT)
    assert SubscriptionService(orders, guard).unsubscribe(conversation) == [ORDER]


def report(orders_at: OrdersAt, clock: Clock, event: ReportedEvent) -> None:
    OrderEventService(orders_at(clock.now)).report(ORDER, event)


PACKED = ReportedEvent("packed", event_id="oms-1")
SHIPPED = ReportedEvent(
    "shipped", event_id="oms-2", carrier="GHTK", tracking_number="GHTK555000111VN",
    expected_delivery=EXPECTED,
)  # fmt: skip
DELAYED = ReportedEvent("delayed", event_id="ghtk-9", expected_delivery=EXPECTED + timedelta(2))


def states(engine: Engine, conversation: str) -> list[tuple[str, int]]:
    with Session(engine) as session:
        rows = session.execute(
            select(OrderUpdate)
            .where(OrderUpdate.conversation_id == conversation)
            .order_by(OrderUpdate.id)
        ).scalars()
        return [(row.state, row.attempts) for row in rows]


def test_packed_shipped_delayed_reach_rasa_in_order_with_the_payload(
    orders_at: OrdersAt, outbox: OrderUpdateOutbox, clock: Clock, rasa: RasaRecorder,
    orders_db: Engine,
) -> None:  # fmt: skip
    conversation = new_conversation_id()
    subscribe(orders_at, conversation)
    for event in (PACKED, SHIPPED, DELAYED):
        report(orders_at, clock, event)

    rasa_client = client(rasa.base_url)
    worker = OrderUpdateWorker(order_update_consumer(outbox, rasa_client), rasa_client, 1.0)
    sent = worker.deliver_due()  # round after round until nothing is due

    assert sorted(sent.values()) == ["sent"] * 3
    calls = rasa.calls_for(conversation)
    assert [(c.name, c.output_channel, c.token) for c in calls] == [
        (UPDATE_INTENT, "latest", RASA_TOKEN)
    ] * 3
    assert [c.entities for c in calls] == [
        {"update_order_id": ORDER, "update_type": "packed", "update_status": "processing"},
        {
            "update_order_id": ORDER,
            "update_type": "shipped",
            "update_status": "shipped",
            "expected_delivery": "2026-03-12",
            "carrier": "GHTK",
            "tracking_number": "GHTK555000111VN",
        },
        {
            "update_order_id": ORDER,
            "update_type": "delayed",
            "update_status": "shipped",
            "expected_delivery": "2026-03-14",
        },
    ]
    # Each with its own key: the assistant says a key once.
    assert len({c.delivery_id for c in calls}) == 3 and all(c.delivery_id for c in calls)
    assert states(orders_db, conversation) == [("sent", 1)] * 3


def test_a_repeated_event_is_sent_once_and_a_repeated_post_carries_the_same_key(
    orders_at: OrdersAt, outbox: OrderUpdateOutbox, clock: Clock, rasa: RasaRecorder,
    orders_db: Engine,
) -> None:  # fmt: skip
    conversation = new_conversation_id()
    subscribe(orders_at, conversation)
    report(orders_at, clock, PACKED)
    report(orders_at, clock, PACKED)  # the order system sends it again: a no-op
    rasa.fail(conversation, 502)  # Rasa's first answer is an error: posted again later
    consumer = order_update_consumer(outbox, client(rasa.base_url))

    assert list(consumer.run_once().values()) == ["pending"]
    clock.advance(backoff(1))
    assert list(consumer.run_once().values()) == ["sent"]
    assert consumer.run_once() == {}

    calls = rasa.calls_for(conversation)
    assert [c.status for c in calls] == [502, 200]
    assert calls[0].delivery_id == calls[1].delivery_id  # the same update, the same key
    assert states(orders_db, conversation) == [("sent", 2)]


def test_an_unsubscribed_conversation_is_sent_nothing(
    orders_at: OrdersAt, outbox: OrderUpdateOutbox, clock: Clock, rasa: RasaRecorder,
    orders_db: Engine,
) -> None:  # fmt: skip
    stays, leaves = new_conversation_id(), new_conversation_id()
    subscribe(orders_at, stays)
    subscribe(orders_at, leaves)
    report(orders_at, clock, PACKED)
    unsubscribe(orders_at, leaves)
    report(orders_at, clock, SHIPPED)

    order_update_consumer(outbox, client(rasa.base_url)).run_once()
    order_update_consumer(outbox, client(rasa.base_url)).run_once()

    assert rasa.calls_for(leaves) == []
    assert states(orders_db, leaves) == [("unsubscribed", 0)]
    assert [c.entities["update_type"] for c in rasa.calls_for(stays)] == ["packed", "shipped"]


def test_rasa_down_defers_the_update_and_it_is_sent_when_rasa_is_back(
    orders_at: OrdersAt, outbox: OrderUpdateOutbox, clock: Clock, rasa: RasaRecorder,
    orders_db: Engine,
) -> None:  # fmt: skip
    conversation = new_conversation_id()
    subscribe(orders_at, conversation)
    report(orders_at, clock, PACKED)
    report(orders_at, clock, SHIPPED)
    down = order_update_consumer(outbox, client(f"http://127.0.0.1:{free_port()}"))

    # More tries than the outbox allows failures: a deferral uses up no attempt, never given up.
    for _ in range(MAX_ATTEMPTS + 2):
        assert list(down.run_once().values()) == ["deferred"]
        assert down.run_once() == {}  # not before the wait
        clock.advance(MAX_BACKOFF_SECONDS)
    assert states(orders_db, conversation) == [("deferred", 0), ("pending", 0)]

    back = order_update_consumer(outbox, client(rasa.base_url))
    assert list(back.run_once().values()) == ["sent"]
    assert list(back.run_once().values()) == ["sent"]  # the next one only after the first
    assert [c.entities["update_type"] for c in rasa.calls_for(conversation)] == [
        "packed",
        "shipped",
    ]


def test_an_update_rasa_does_not_relay_is_a_failed_attempt_and_fails_in_the_end(
    orders_at: OrdersAt, outbox: OrderUpdateOutbox, clock: Clock, rasa: RasaRecorder,
    orders_db: Engine,
) -> None:  # fmt: skip
    conversation = new_conversation_id()
    subscribe(orders_at, conversation)
    report(orders_at, clock, DELAYED)
    rasa.unrelayed.add(conversation)  # Rasa answers 200, its action server is down
    consumer = order_update_consumer(outbox, client(rasa.base_url))
    try:
        for attempt in range(1, 4):
            assert list(consumer.run_once().values()) == (
                ["failed"] if attempt == 3 else ["pending"]
            )
            clock.advance(backoff(attempt))
    finally:
        rasa.unrelayed.discard(conversation)
    assert consumer.run_once() == {}
    assert states(orders_db, conversation) == [("failed", 3)]


def test_the_worker_thread_delivers_what_is_published_while_it_runs(
    orders_at: OrdersAt, orders_db: Engine, rasa: RasaRecorder
) -> None:
    conversation = new_conversation_id()
    subscribe(orders_at, conversation, "rest")
    outbox = OrderUpdateOutbox(make_session_factory(orders_db))  # the real clock
    rasa_client = client(rasa.base_url)
    worker = OrderUpdateWorker(order_update_consumer(outbox, rasa_client), rasa_client, 0.05)
    worker.start()
    try:
        assert worker.running
        clock = Clock(SEEDED_AT + timedelta(hours=1))
        report(orders_at, clock, PACKED)
        report(orders_at, clock, SHIPPED)
        delivered = rasa.wait_delivered(conversation, 2)
        assert [entities["update_type"] for _, entities in delivered] == ["packed", "shipped"]
        deadline = time.monotonic() + 5
        while states(orders_db, conversation) != [("sent", 1)] * 2:
            assert time.monotonic() < deadline, states(orders_db, conversation)
            time.sleep(0.05)
    finally:
        worker.stop()
    assert not worker.running


def test_the_entities_leave_out_what_the_event_did_not_say() -> None:
    update = PendingUpdate(
        1, "c", "socketio", "en",
        {"order_id": ORDER, "type": "packed", "status": "processing", "carrier": None,
         "expected_delivery": None, "tracking_number": None, "note": "n", "at": "x"},
        "ab" * 16, 0,
    )  # fmt: skip
    assert update_entities(update) == {
        "update_order_id": ORDER,
        "update_type": "packed",
        "update_status": "processing",
        "delivery_id": "ab" * 16,
    }
