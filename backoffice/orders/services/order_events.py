"""Events the retailer's order system or a carrier reports about an order.

One transaction per event, on the locked order row: a repeat is found first and answered with
the event already kept (nothing written); then order_states.py says whether the order takes the
event and what its status becomes (a refusal is raised before anything is written); then the
order and its shipment follow, the event is kept in the history and published to the order's
subscribers (order_history.record), all committed together.

What each event does besides the status:
- shipped: the carrier and tracking number create the shipment, or correct it; its expected
  delivery is the event's when given.
- out_for_delivery, delivery_failed: the shipment's status.
- delivered: the shipment is delivered now (the return window starts); cash on delivery is paid.
- delayed (and any event with `expected_delivery`): the shipment's expected day moves.
- cancelled: as the customer's cancel (the refund of what was paid, less the fee).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from backoffice.core.errors import ConflictError, InvalidInputError
from backoffice.core.unit_of_work import writing
from backoffice.orders.models import Order, OrderHistory, Shipment
from backoffice.orders.services import order_history
from backoffice.orders.services.order_history import ReportedEvent
from backoffice.orders.services.order_states import status_after_event
from backoffice.orders.services.orders import OrderNotFoundError, OrderService, order_detail

# How far ahead an expected delivery may be: further is a typo in the sender's system.
MAX_EXPECTED_DAYS_AHEAD = 366
SHIPMENT_STATUS_AFTER = {
    "shipped": "in_transit",
    "out_for_delivery": "out_for_delivery",
    "delivery_failed": "failed",
    "delivered": "delivered",
}


class EventIdReusedError(ConflictError):
    code = "event_id_reused"
    message = "This event_id was already used for a different event on this order."


class TrackingNumberInUseError(ConflictError):
    code = "tracking_number_in_use"
    message = "This tracking number belongs to another order's shipment."


def field_error(field: str, message: str) -> InvalidInputError:
    """A 422 shaped like the request validation's, naming the field."""
    return InvalidInputError(
        f"body.{field}: {message}", details=[{"field": f"body.{field}", "message": message}]
    )


class OrderEventService:
    def __init__(self, orders: OrderService) -> None:
        self.orders = orders
        self.session = orders.session

    def report(self, order_id: str, event: ReportedEvent) -> tuple[Order, OrderHistory, bool]:
        """(order, the kept event, whether it was a repeat of one already kept)."""
        with writing(self.session):
            order = self._lock(order_id)
            repeat = self._repeat_of(order, event)
            if repeat is not None:
                return order, repeat, True
            now = self.orders.clock()
            self._check_expected(event.expected_delivery, now)
            before = order.status
            order.status = status_after_event(self.orders.lifecycle, before, event.type)
            self._follow(order, event, now)
            order.updated_at = now
            # Kept as reported (a repeat is recognised by it); the shipment shows the result.
            kept = order_history.record(self.session, order, event, before, now)
            return order, kept, False

    # -- helpers ---------------------------------------------------------------------------

    def _lock(self, order_id: str) -> Order:
        order = self.session.execute(
            select(Order)
            .where(Order.id == order_id)
            .options(*order_detail())
            .execution_options(populate_existing=True)
            .with_for_update(of=Order)
        ).scalar_one_or_none()
        if order is None:
            raise OrderNotFoundError()
        return order

    def _repeat_of(self, order: Order, event: ReportedEvent) -> OrderHistory | None:
        """The kept event this one repeats: the one with its event_id (which must be the same
        event), or without an id, the order's latest event when it is the same."""
        if event.event_id is not None:
            kept = order_history.by_event_id(self.session, order.id, event.event_id)
            if kept is not None and not event.same_as(kept):
                raise EventIdReusedError(details={"event_id": event.event_id, "type": kept.type})
            return kept
        latest = order_history.latest(order)
        return latest if latest is not None and event.same_as(latest) else None

    def _check_expected(self, expected: date | None, now: datetime) -> None:
        if expected is None:
            return
        today = now.astimezone(self.orders.shop_tz).date()
        if expected < today:
            raise field_error("expected_delivery", "must not be in the past")
        if expected > today + timedelta(days=MAX_EXPECTED_DAYS_AHEAD):
            raise field_error("expected_delivery", f"must be within {MAX_EXPECTED_DAYS_AHEAD} days")

    def _follow(self, order: Order, event: ReportedEvent, now: datetime) -> None:
        if event.type == "shipped":
            self._ship(order, event, now)
        if event.type == "cancelled":
            self.orders.settle_cancelled(order, event.note, now)
        shipment: Shipment | None = order.shipment
        if shipment is None:
            return  # news about an order not shipped yet is kept in its history only
        if event.type in SHIPMENT_STATUS_AFTER:
            shipment.status = SHIPMENT_STATUS_AFTER[event.type]
        if event.expected_delivery is not None:
            shipment.expected_delivery = event.expected_delivery
        if event.type == "delivered":
            shipment.delivered_at = now
            if order.payment_method == "cod" and order.paid_at is None:
                order.paid_at = now  # the money was taken at the door

    def _ship(self, order: Order, event: ReportedEvent, now: datetime) -> None:
        if event.tracking_number is not None:
            owner = self.session.execute(
                select(Shipment.order_id).where(Shipment.tracking_number == event.tracking_number)
            ).scalar_one_or_none()
            if owner is not None and owner != order.id:
                raise TrackingNumberInUseError(details={"tracking_number": event.tracking_number})
        shipment: Shipment | None = order.shipment
        if shipment is None:
            for field in ("carrier", "tracking_number"):
                if getattr(event, field) is None:
                    raise field_error(field, "is required to ship an order that has no shipment")
            shipment = order.shipment = Shipment(status="in_transit")
        shipment.carrier = event.carrier or shipment.carrier
        shipment.tracking_number = event.tracking_number or shipment.tracking_number
        shipment.shipped_at = shipment.shipped_at or now
