"""An order's history: every event kept as reported, and published to its subscribers.

`record` is the one way an event enters the history; it publishes the event through the outbox
(order_outbox.py) in the caller's transaction, so an event is never kept without being published
nor published without being kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.orders.models import Order, OrderHistory
from backoffice.orders.services import order_outbox


@dataclass(frozen=True)
class ReportedEvent:
    """An event as its sender reported it (what makes two reports the same event)."""

    type: str
    event_id: str | None = None
    note: str | None = None
    expected_delivery: date | None = None
    carrier: str | None = None
    tracking_number: str | None = None
    source: str = "order_system"

    def same_as(self, kept: OrderHistory) -> bool:
        return (
            kept.type == self.type
            and kept.note == self.note
            and kept.expected_delivery == self.expected_delivery
            and kept.carrier == self.carrier
            and kept.tracking_number == self.tracking_number
        )


def record(
    session: Session, order: Order, event: ReportedEvent, status_before: str, now: datetime
) -> OrderHistory:
    """Keep `event` (the order already moved to its new status) and publish it."""
    kept = OrderHistory(
        order_id=order.id,
        event_id=event.event_id,
        type=event.type,
        status_before=status_before,
        status_after=order.status,
        note=event.note,
        expected_delivery=event.expected_delivery,
        carrier=event.carrier,
        tracking_number=event.tracking_number,
        source=event.source,
        created_at=now,
    )
    order.history.append(kept)
    session.flush()
    order_outbox.publish(session, kept)
    return kept


def by_event_id(session: Session, order_id: str, event_id: str) -> OrderHistory | None:
    return session.execute(
        select(OrderHistory).where(
            OrderHistory.order_id == order_id, OrderHistory.event_id == event_id
        )
    ).scalar_one_or_none()


def latest(order: Order) -> OrderHistory | None:
    return order.history[-1] if order.history else None
