"""The CCO's order update figures (backoffice/analytics/order_updates.py) on real outbox and
subscription rows from real events on the seeded database: each update counted on the shop's
day of its event in the state it is in now, opt-ins and opt-outs on their days, the channel and
language filters applied and the department one not. (Here, beside the order services' seeded
database fixtures; the summary route's field is tested in tests/backoffice/analytics.)"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from backoffice.analytics.kpis import Filters
from backoffice.analytics.order_updates import order_update_counts
from backoffice.core.db import make_session_factory
from backoffice.core.verification import VerificationGuard, digest_key
from backoffice.orders.services.order_events import OrderEventService
from backoffice.orders.services.order_history import ReportedEvent
from backoffice.orders.services.order_outbox import OrderUpdateOutbox
from backoffice.orders.services.orders import OrderService
from backoffice.orders.services.subscriptions import Proof, Subscriber, SubscriptionService
from tests.backoffice.orders.services.conftest import SEEDED_AT

OrdersAt = Callable[..., OrderService]
AN = "an.nguyen@example.com"  # ORD-10001's customer
MARCH_6, MARCH_7 = date(2026, 3, 6), date(2026, 3, 7)  # Asia/Ho_Chi_Minh days
LATE_ON_MARCH_6 = datetime(2026, 3, 6, 16, 30, tzinfo=timezone.utc)  # 23:30 in Hà Nội
EARLY_ON_MARCH_7 = datetime(2026, 3, 6, 17, 30, tzinfo=timezone.utc)  # 00:30 in Hà Nội
NONE = {"sent": 0, "deferred": 0, "not_allowed": 0, "failed": 0, "pending": 0}


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def subscriptions(orders: OrderService) -> SubscriptionService:
    guard = VerificationGuard(orders.session, digest_key("test"), clock=lambda: SEEDED_AT)
    return SubscriptionService(orders, guard)


def counts(engine: Engine, first: date, last: date, **filters: str) -> dict[str, int]:
    with Session(engine) as session:
        return order_update_counts(session, first, last, Filters(**filters))


def test_updates_are_counted_on_their_events_day_in_their_state_now(
    orders_at: OrdersAt, orders_db: Engine
) -> None:
    for conversation, channel, language in (
        ("widget-a", "socketio", "en"),
        ("telegram-b", "telegram", "vi"),
        ("rest-c", "rest", "en"),
    ):
        subscriptions(orders_at(SEEDED_AT)).subscribe(
            "ORD-10001", Subscriber(conversation, channel, language), Proof(customer_id=AN)
        )
    clock = Clock(LATE_ON_MARCH_6)
    outbox = OrderUpdateOutbox(make_session_factory(orders_db), max_attempts=1, clock=clock)
    OrderEventService(orders_at(LATE_ON_MARCH_6)).report(
        "ORD-10001", ReportedEvent("out_for_delivery", event_id="late-6")
    )
    first = {u.conversation_id: u.id for u in outbox.pending(10)}
    assert outbox.mark_sent(first["widget-a"]) == "sent"
    assert outbox.mark_not_allowed(first["telegram-b"], "no template") == "not_allowed"
    later = LATE_ON_MARCH_6 + timedelta(days=2)
    assert outbox.mark_deferred(first["rest-c"], later, "offline") == "deferred"

    clock.now = EARLY_ON_MARCH_7
    OrderEventService(orders_at(EARLY_ON_MARCH_7)).report(
        "ORD-10001", ReportedEvent("delivery_failed", event_id="early-7")
    )
    second = {u.conversation_id: u.id for u in outbox.pending(10)}
    assert set(second) == {"widget-a", "telegram-b"}  # rest-c's waits behind its deferred one
    assert outbox.mark_failed(second["widget-a"], "Timeout") == "failed"
    # telegram-b opts out: its unsent update is withdrawn, counted in no state.
    assert subscriptions(orders_at(EARLY_ON_MARCH_7)).unsubscribe("telegram-b") == ["ORD-10001"]

    assert counts(orders_db, MARCH_6, MARCH_6) == {
        **NONE, "sent": 1, "not_allowed": 1, "deferred": 1, "opt_ins": 3, "opt_outs": 0,
    }  # fmt: skip
    assert counts(orders_db, MARCH_7, MARCH_7) == {
        **NONE, "failed": 1, "pending": 1, "opt_ins": 0, "opt_outs": 1,
    }  # fmt: skip
    both = counts(orders_db, MARCH_6, MARCH_7)
    assert both == {
        "sent": 1, "deferred": 1, "not_allowed": 1, "failed": 1, "pending": 1,
        "opt_ins": 3, "opt_outs": 1,
    }  # fmt: skip
    telegram = {**NONE, "not_allowed": 1, "opt_ins": 1, "opt_outs": 1}
    assert counts(orders_db, MARCH_6, MARCH_7, channel="telegram") == telegram
    assert counts(orders_db, MARCH_6, MARCH_7, language="vi") == telegram
    assert counts(orders_db, MARCH_6, MARCH_7, channel="rest", language="en") == {
        **NONE, "deferred": 1, "pending": 1, "opt_ins": 1, "opt_outs": 0,
    }  # fmt: skip
    assert counts(orders_db, MARCH_6, MARCH_7, language="vi", channel="socketio") == {
        **NONE, "opt_ins": 0, "opt_outs": 0,
    }  # fmt: skip
    # An update belongs to no department: the department filter leaves the figures as they are.
    assert counts(orders_db, MARCH_6, MARCH_7, department="logistics") == both
    assert counts(orders_db, date(2026, 3, 5), date(2026, 3, 5)) == {
        **NONE, "opt_ins": 0, "opt_outs": 0,
    }  # fmt: skip
