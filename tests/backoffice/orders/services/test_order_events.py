"""Order events in-process on a seeded SQLite database: the moves they make (and refuse, with
nothing written), repeats, the shipment and the refund they carry, the history they leave and
the outbox rows for the order's subscribers, written in the event's own transaction."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backoffice.core.errors import InvalidInputError
from backoffice.core.transitions import IllegalTransitionError
from backoffice.core.verification import VerificationGuard, digest_key
from backoffice.orders.models import Order, OrderHistory, OrderUpdate, Refund, Shipment
from backoffice.orders.services.order_events import (
    EventIdReusedError,
    OrderEventService,
    TrackingNumberInUseError,
)
from backoffice.orders.services.order_history import ReportedEvent
from backoffice.orders.services.orders import OrderNotFoundError, OrderService
from backoffice.orders.services.subscriptions import Proof, Subscriber, SubscriptionService
from tests.backoffice.orders.services.conftest import SEEDED_AT

OrdersAt = Callable[..., OrderService]
LATER = SEEDED_AT + timedelta(hours=1)
TOMORROW = date(2026, 3, 7)  # the shop's day after SEEDED_AT


def report(orders_at: OrdersAt, order_id: str, event: ReportedEvent, now: datetime = LATER):
    return OrderEventService(orders_at(now)).report(order_id, event)


def subscribe(orders_at: OrdersAt, order_id: str, email: str, conversation: str) -> None:
    orders = orders_at()
    guard = VerificationGuard(orders.session, digest_key("test"), clock=lambda: SEEDED_AT)
    SubscriptionService(orders, guard).subscribe(
        order_id, Subscriber(conversation, "socketio", "vi"), Proof(customer_id=email)
    )


def counts(engine: Engine, order_id: str) -> tuple[int, int]:
    """(history rows, outbox rows) of the order."""
    with Session(engine) as session:
        history = session.scalar(
            select(func.count()).select_from(OrderHistory).where(OrderHistory.order_id == order_id)
        )
        outbox = session.scalar(
            select(func.count())
            .select_from(OrderUpdate)
            .join(OrderHistory, OrderUpdate.history_id == OrderHistory.id)
            .where(OrderHistory.order_id == order_id)
        )
    return int(history or 0), int(outbox or 0)


def order_row(engine: Engine, order_id: str) -> Order:
    session = Session(engine, expire_on_commit=False)
    order = session.get(Order, order_id)
    assert order is not None
    _ = order.shipment, order.refund, order.history
    return order


@contextmanager
def outbox_offline(engine: Engine) -> Iterator[None]:
    """Every insert into the outbox fails while inside."""
    sqlite = engine.dialect.name == "sqlite"
    refuse, allow = (
        (
            "CREATE TRIGGER outbox_offline BEFORE INSERT ON order_events_outbox "
            "BEGIN SELECT RAISE(ABORT, 'outbox offline'); END",
            "DROP TRIGGER outbox_offline",
        )
        if sqlite
        else (
            "ALTER TABLE order_events_outbox ADD CONSTRAINT outbox_offline CHECK (id < 0)",
            "ALTER TABLE order_events_outbox DROP CONSTRAINT outbox_offline",
        )
    )
    with engine.begin() as connection:
        connection.execute(text(refuse))
    try:
        yield
    finally:
        with engine.begin() as connection:
            connection.execute(text(allow))


# -- the moves ----------------------------------------------------------------------------------


def test_an_order_goes_from_processing_to_delivered(orders_at: OrdersAt, orders_db: Engine) -> None:
    order, kept, repeated = report(
        orders_at,
        "ORD-10002",
        ReportedEvent("shipped", carrier="GHN", tracking_number="GHN000111222VN"),
    )
    assert (order.status, repeated) == ("shipped", False)
    assert (kept.status_before, kept.status_after, kept.source) == (
        "processing",
        "shipped",
        "order_system",
    )
    assert order.shipment.carrier == "GHN"
    assert order.shipment.tracking_number == "GHN000111222VN"
    assert (order.shipment.status, order.shipment.shipped_at) == ("in_transit", LATER)

    report(orders_at, "ORD-10002", ReportedEvent("out_for_delivery", source="carrier"))
    order, kept, _ = report(orders_at, "ORD-10002", ReportedEvent("delivered", source="carrier"))
    assert order.status == "delivered"
    stored = order_row(orders_db, "ORD-10002")
    assert (stored.shipment.status, stored.shipment.delivered_at) == ("delivered", LATER)
    assert [(h.type, h.status_before, h.status_after) for h in stored.history] == [
        ("shipped", "processing", "shipped"),
        ("out_for_delivery", "shipped", "shipped"),
        ("delivered", "shipped", "delivered"),
    ]


@pytest.mark.parametrize(
    ("order_id", "event", "status"),
    [
        ("ORD-10006", "shipped", "pending"),  # not packed into processing yet
        ("ORD-10001", "shipped", "shipped"),  # already shipped: a second, different shipped
        ("ORD-10002", "delivered", "processing"),  # never shipped
        ("ORD-10001", "cancelled", "shipped"),  # the shop's policy: not once shipped
        ("ORD-10003", "cancelled", "delivered"),
        ("ORD-10003", "delayed", "delivered"),
        ("ORD-10004", "packed", "cancelled"),
        ("ORD-10004", "delivery_failed", "cancelled"),
        ("ORD-10004", "delivered", "cancelled"),
    ],
)
def test_an_event_the_status_does_not_allow_is_refused_with_nothing_written(
    orders_at: OrdersAt, orders_db: Engine, order_id: str, event: str, status: str
) -> None:
    subscribe_to = {"ORD-10006": "em.hoang@example.com", "ORD-10001": "an.nguyen@example.com"}
    if order_id in subscribe_to:
        subscribe(orders_at, order_id, subscribe_to[order_id], "watcher")
    reported = ReportedEvent(event, carrier="GHN", tracking_number="GHN999000111VN")
    if event != "shipped":
        reported = ReportedEvent(event)
    with pytest.raises(IllegalTransitionError) as refused:
        report(orders_at, order_id, reported)
    assert refused.value.status_code == 409
    assert refused.value.details["status"] == status
    assert order_row(orders_db, order_id).status == status
    assert counts(orders_db, order_id) == (0, 0)


def test_a_refused_cancel_keeps_the_cancel_routes_code(orders_at: OrdersAt) -> None:
    with pytest.raises(IllegalTransitionError) as refused:
        report(orders_at, "ORD-10001", ReportedEvent("cancelled"))
    assert refused.value.code == "not_cancellable"
    with pytest.raises(IllegalTransitionError) as refused:
        report(orders_at, "ORD-10003", ReportedEvent("delayed"))
    assert refused.value.code == "illegal_transition"
    assert refused.value.details == {"status": "delivered", "event": "delayed"}


@pytest.mark.parametrize("event", ["packed", "out_for_delivery", "delayed", "delivery_failed"])
def test_news_keeps_the_status(orders_at: OrdersAt, orders_db: Engine, event: str) -> None:
    order, kept, _ = report(orders_at, "ORD-10001", ReportedEvent(event, note="Kho Hà Nội"))
    assert order.status == kept.status_before == kept.status_after == "shipped"
    assert kept.note == "Kho Hà Nội"
    assert counts(orders_db, "ORD-10001") == (1, 0)  # nobody follows it: no outbox row


def test_news_on_an_order_not_shipped_yet_is_kept_in_its_history(
    orders_at: OrdersAt, orders_db: Engine
) -> None:
    order, kept, _ = report(
        orders_at, "ORD-10002", ReportedEvent("delayed", expected_delivery=TOMORROW)
    )
    assert order.shipment is None and order.status == "processing"
    assert kept.expected_delivery == TOMORROW


def test_unknown_order(orders_at: OrdersAt) -> None:
    with pytest.raises(OrderNotFoundError):
        report(orders_at, "ORD-99999", ReportedEvent("packed"))


# -- repeats ------------------------------------------------------------------------------------


def test_a_retried_event_with_its_event_id_is_a_no_op(
    orders_at: OrdersAt, orders_db: Engine
) -> None:
    shipped = ReportedEvent(
        "shipped", event_id="oms-77", carrier="GHN", tracking_number="GHN000111222VN"
    )
    _, first, _ = report(orders_at, "ORD-10002", shipped)
    report(orders_at, "ORD-10002", ReportedEvent("out_for_delivery", event_id="oms-78"))
    # The first one again, after another: still the same event, not an illegal second shipping.
    order, again, repeated = report(orders_at, "ORD-10002", shipped, LATER + timedelta(hours=2))
    assert repeated and again.id == first.id and again.created_at == LATER
    assert order.status == "shipped"
    assert counts(orders_db, "ORD-10002") == (2, 0)


def test_an_event_id_reused_for_another_event_is_refused(orders_at: OrdersAt) -> None:
    report(orders_at, "ORD-10001", ReportedEvent("delayed", event_id="e1", note="rain"))
    with pytest.raises(EventIdReusedError) as refused:
        report(orders_at, "ORD-10001", ReportedEvent("delayed", event_id="e1", note="flood"))
    assert refused.value.status_code == 409


def test_without_an_event_id_a_repeat_of_the_latest_event_is_a_no_op(
    orders_at: OrdersAt, orders_db: Engine
) -> None:
    delayed = ReportedEvent("delayed", expected_delivery=TOMORROW)
    report(orders_at, "ORD-10001", delayed)
    _, _, repeated = report(orders_at, "ORD-10001", delayed)
    assert repeated
    report(orders_at, "ORD-10001", ReportedEvent("out_for_delivery"))
    _, _, repeated = report(orders_at, "ORD-10001", delayed)  # not the latest: a new delay
    assert not repeated
    assert counts(orders_db, "ORD-10001") == (3, 0)
    # A status move repeated is the same: the order stays delivered, one event.
    report(orders_at, "ORD-10001", ReportedEvent("delivered"))
    _, _, repeated = report(orders_at, "ORD-10001", ReportedEvent("delivered"))
    assert repeated


# -- what events carry ----------------------------------------------------------------------------


def test_shipping_an_order_without_a_shipment_needs_carrier_and_tracking(
    orders_at: OrdersAt, orders_db: Engine
) -> None:
    with pytest.raises(InvalidInputError) as refused:
        report(orders_at, "ORD-10002", ReportedEvent("shipped", carrier="GHN"))
    assert refused.value.details == [
        {
            "field": "body.tracking_number",
            "message": "is required to ship an order that has no shipment",
        }
    ]
    assert order_row(orders_db, "ORD-10002").status == "processing"


def test_a_tracking_number_of_another_order_is_refused(orders_at: OrdersAt) -> None:
    with pytest.raises(TrackingNumberInUseError):
        report(
            orders_at,
            "ORD-10002",
            ReportedEvent("shipped", carrier="GHN", tracking_number="GHN123456789VN"),
        )


def test_shipped_corrects_an_existing_shipment(orders_at: OrdersAt, orders_db: Engine) -> None:
    # ORD-10008 is processing; give it a shipment as a label printed earlier would.
    with Session(orders_db) as session, session.begin():
        session.add(
            Shipment(
                order_id="ORD-10008",
                carrier="GHTK",
                tracking_number="GHTK1",
                status="label_created",
            )
        )
    order, kept, _ = report(
        orders_at,
        "ORD-10008",
        ReportedEvent("shipped", tracking_number="GHTK2", expected_delivery=TOMORROW),
    )
    assert (order.shipment.carrier, order.shipment.tracking_number) == ("GHTK", "GHTK2")
    assert order.shipment.expected_delivery == TOMORROW
    assert (kept.carrier, kept.tracking_number) == (None, "GHTK2")  # as reported


def test_a_repeated_shipped_without_carrier_is_a_no_op(
    orders_at: OrdersAt, orders_db: Engine
) -> None:
    """The order already had its shipment: the event names no carrier, and its repeat is the
    same event, not a second shipping."""
    with Session(orders_db) as session, session.begin():
        session.add(
            Shipment(
                order_id="ORD-10008",
                carrier="GHTK",
                tracking_number="GHTK1",
                status="label_created",
            )
        )
    report(orders_at, "ORD-10008", ReportedEvent("shipped"))
    order, _, repeated = report(orders_at, "ORD-10008", ReportedEvent("shipped"))
    assert repeated and order.shipment.carrier == "GHTK"


def test_delayed_moves_the_expected_day(orders_at: OrdersAt, orders_db: Engine) -> None:
    new_day = date(2026, 3, 12)
    report(orders_at, "ORD-10001", ReportedEvent("delayed", expected_delivery=new_day))
    assert order_row(orders_db, "ORD-10001").shipment.expected_delivery == new_day


@pytest.mark.parametrize(
    ("day", "message"),
    [(date(2026, 3, 5), "must not be in the past"), (date(2027, 3, 8), "must be within 366 days")],
)
def test_an_expected_day_out_of_range_is_refused(
    orders_at: OrdersAt, orders_db: Engine, day: date, message: str
) -> None:
    with pytest.raises(InvalidInputError) as refused:
        report(orders_at, "ORD-10001", ReportedEvent("delayed", expected_delivery=day))
    assert refused.value.details == [{"field": "body.expected_delivery", "message": message}]
    assert counts(orders_db, "ORD-10001") == (0, 0)


def test_cash_on_delivery_is_paid_when_delivered(orders_at: OrdersAt, orders_db: Engine) -> None:
    report(orders_at, "ORD-10011", ReportedEvent("delivered"))  # shipped, cash on delivery
    assert order_row(orders_db, "ORD-10011").paid_at == LATER


def test_a_cancelled_event_refunds_like_the_customers_cancel(
    orders_at: OrdersAt, orders_db: Engine
) -> None:
    order, _, _ = report(orders_at, "ORD-10008", ReportedEvent("cancelled", note="out of stock"))
    assert (order.status, order.cancel_reason, order.cancelled_at) == (
        "cancelled",
        "out of stock",
        LATER,
    )
    with Session(orders_db) as session:
        refunds = session.execute(select(Refund).where(Refund.order_id == "ORD-10008")).all()
    assert len(refunds) == 1


def test_the_customers_cancel_is_kept_in_the_history_too(
    orders_at: OrdersAt, orders_db: Engine
) -> None:
    subscribe(orders_at, "ORD-10002", "binh.tran@example.com", "binh-chat")
    orders_at(LATER).cancel("ORD-10002", "binh.tran@example.com", "changed my mind")
    history = order_row(orders_db, "ORD-10002").history
    assert [(h.type, h.source, h.note, h.status_before) for h in history] == [
        ("cancelled", "customer", "changed my mind", "processing")
    ]
    assert counts(orders_db, "ORD-10002") == (1, 1)


# -- the outbox -----------------------------------------------------------------------------------


def test_each_subscriber_gets_an_outbox_row_with_the_event(
    orders_at: OrdersAt, orders_db: Engine
) -> None:
    subscribe(orders_at, "ORD-10001", "an.nguyen@example.com", "an-widget")
    subscribe(orders_at, "ORD-10001", "an.nguyen@example.com", "an-telegram")
    _, kept, _ = report(
        orders_at, "ORD-10001", ReportedEvent("delayed", expected_delivery=TOMORROW, note="mưa")
    )
    with Session(orders_db) as session:
        rows = session.execute(select(OrderUpdate).order_by(OrderUpdate.id)).scalars().all()
    assert [(r.conversation_id, r.state, r.attempts, r.history_id) for r in rows] == [
        ("an-widget", "pending", 0, kept.id),
        ("an-telegram", "pending", 0, kept.id),
    ]
    assert rows[0].payload == {
        "order_id": "ORD-10001",
        "type": "delayed",
        "status": "shipped",
        "status_before": "shipped",
        "expected_delivery": "2026-03-07",
        "carrier": None,
        "tracking_number": None,
        "note": "mưa",
        "at": LATER.isoformat(),
    }
    assert rows[0].delivery_key != rows[1].delivery_key


def test_the_outbox_row_is_written_in_the_events_transaction(
    orders_at: OrdersAt, orders_db: Engine
) -> None:
    """When the outbox cannot be written the order does not move and keeps no history."""
    subscribe(orders_at, "ORD-10001", "an.nguyen@example.com", "an-widget")
    with outbox_offline(orders_db), pytest.raises(IntegrityError):
        report(orders_at, "ORD-10001", ReportedEvent("delivered"))
    stored = order_row(orders_db, "ORD-10001")
    assert (stored.status, stored.shipment.delivered_at) == ("shipped", None)
    assert counts(orders_db, "ORD-10001") == (0, 0)


def test_a_repeat_writes_no_second_outbox_row(orders_at: OrdersAt, orders_db: Engine) -> None:
    subscribe(orders_at, "ORD-10001", "an.nguyen@example.com", "an-widget")
    for _ in range(3):
        report(orders_at, "ORD-10001", ReportedEvent("out_for_delivery", event_id="ghn-5"))
    assert counts(orders_db, "ORD-10001") == (1, 1)


def test_concurrent_deliveries_of_one_event_keep_it_once(
    orders_at: OrdersAt, orders_db: Engine
) -> None:
    subscribe(orders_at, "ORD-10001", "an.nguyen@example.com", "an-widget")
    barrier = threading.Barrier(5)
    outcomes: list[bool] = []
    errors: list[BaseException] = []

    def deliver() -> None:
        service = OrderEventService(orders_at(LATER))
        barrier.wait()
        try:
            outcomes.append(service.report("ORD-10001", ReportedEvent("delivered", "ghn-9"))[2])
        except BaseException as exc:  # collected and re-checked in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=deliver) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(outcomes) == [False, True, True, True, True]
    assert counts(orders_db, "ORD-10001") == (1, 1)
