"""The order rules: who may see an order, and when it may be cancelled, re-addressed or returned.

Every rule reads `Policies` (from the knowledge file); nothing here hard-codes a status list
or a number of days; which status may move to which is order_states.py's table. Each writing
method is one transaction that first locks the order row, so concurrent requests serialise and
a failure leaves nothing half-written.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from backoffice.core.db import begin_write
from backoffice.core.errors import ConflictError, InvalidInputError, NotFoundError
from backoffice.orders.models import (
    Customer,
    Invoice,
    Order,
    Refund,
    ReturnItem,
    ReturnRequest,
    Shipment,
)
from backoffice.orders.policies import Policies
from backoffice.orders.services import order_history
from backoffice.orders.services.order_history import ReportedEvent
from backoffice.orders.services.order_states import order_table
from caredesk_rules.contacts import canonical_contact

VIETNAM_TZ: tzinfo = timezone(timedelta(hours=7), "ICT")  # no daylight saving in Vietnam
WALLET_METHODS = ("momo", "zalopay", "vnpay")


class OrderNotFoundError(NotFoundError):
    # One code and one message for "no such order" and "wrong contact": reveals nothing.
    code = "order_not_found"
    message = "No order with this id was found for this contact."


class NoRefundError(NotFoundError):
    code = "no_refund"
    message = "There is no refund for this order."


class NoInvoiceError(NotFoundError):
    code = "no_invoice"
    message = "No invoice has been issued for this order yet."


class InvoiceNotFoundError(NotFoundError):
    code = "invoice_not_found"
    message = "No such invoice."


class RuleViolationError(ConflictError):
    """A business rule forbids the change; `code` names the rule, `details` say why."""


class InvalidReturnItemsError(InvalidInputError):
    code = "invalid_return_items"


@dataclass(frozen=True)
class OrderRules:
    cancellable: bool
    readdressable: bool
    returnable: bool
    return_deadline: datetime | None
    warranty_until: datetime | None
    not_returnable_reason: str | None


@dataclass(frozen=True)
class ReturnLine:
    sku: str
    quantity: int


@dataclass(frozen=True)
class NewAddress:
    """Two-level, as schemas.AddressIn checked and normalised it."""

    recipient: str
    phone: str
    line1: str
    ward: str
    province: str


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def order_detail() -> tuple[Any, ...]:
    """What an order answer shows, loaded with the order in a few queries."""
    return (
        selectinload(Order.items),
        selectinload(Order.shipping_address),
        selectinload(Order.shipment).selectinload(Shipment.events),
        selectinload(Order.refund),
        selectinload(Order.invoice),
        selectinload(Order.return_request).selectinload(ReturnRequest.items),
        selectinload(Order.history),
    )


def add_months(moment: datetime, months: int) -> datetime:
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def add_working_days(start: date, days: int) -> date:
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


def delivered_at(order: Order) -> datetime | None:
    shipment: Shipment | None = order.shipment
    return shipment.delivered_at if shipment is not None else None


def evaluate_rules(order: Order, policies: Policies, now: datetime) -> OrderRules:
    delivered = delivered_at(order)
    deadline = delivered + timedelta(days=policies.return_window_days) if delivered else None
    warranty = add_months(delivered, policies.warranty_months) if delivered else None
    reason: str | None = None
    if order.status == "cancelled":
        reason = "cancelled"
    elif order.status not in policies.returnable_statuses or deadline is None:
        reason = "not_delivered"
    elif now > deadline:
        reason = "window_expired"
    return OrderRules(
        cancellable=order_table(policies.cancellable_statuses).allowed(order.status, "cancel"),
        readdressable=order.status in policies.readdressable_statuses,
        returnable=reason is None,
        return_deadline=deadline,
        warranty_until=warranty,
        not_returnable_reason=reason,
    )


class OrderService:
    def __init__(
        self,
        session: Session,
        policies: Policies,
        *,
        clock: Callable[[], datetime] = utcnow,
        shop_tz: tzinfo = VIETNAM_TZ,
    ) -> None:
        self.session = session
        self.policies = policies
        self.clock = clock
        self.shop_tz = shop_tz
        self.lifecycle = order_table(policies.cancellable_statuses)

    # -- reads -----------------------------------------------------------------------------

    def rules(self, order: Order) -> OrderRules:
        return evaluate_rules(order, self.policies, self.clock())

    def verify(self, order_id: str, contact: str) -> bool:
        return self._find(order_id, contact, detail=False) is not None

    def get_order(self, order_id: str, contact: str | None) -> Order:
        return self._require(order_id, contact)

    def orders_of(self, contact: str | None, limit: int = 10) -> Sequence[Order]:
        """The newest orders of the customer with this email or phone (none for an unusable
        contact): the agent console's history of a verified customer."""
        parsed = canonical_contact(contact) if contact else None
        if parsed is None:
            return []
        kind, value = parsed
        match = Customer.email == value if kind == "email" else Customer.phone == value
        query = (
            select(Order)
            .join(Customer, Order.customer_id == Customer.id)
            .where(match)
            .order_by(Order.placed_at.desc(), Order.id.desc())
            .limit(limit)
            .options(selectinload(Order.items), selectinload(Order.history))
        )
        return self.session.execute(query).scalars().all()

    def get_refund(self, order_id: str, contact: str | None) -> Refund:
        order = self._require(order_id, contact)
        if order.refund is None:
            raise NoRefundError()
        return order.refund

    def get_invoice(self, order_id: str, contact: str | None) -> Invoice:
        order = self._require(order_id, contact)
        if order.invoice is None:
            raise NoInvoiceError()
        return order.invoice

    def invoice_by_token(self, token: str) -> Invoice:
        invoice = self.session.execute(
            select(Invoice)
            .where(Invoice.token == token)
            .options(
                selectinload(Invoice.order).selectinload(Order.items),
                selectinload(Invoice.order).selectinload(Order.shipping_address),
                selectinload(Invoice.order).selectinload(Order.customer),
            )
        ).scalar_one_or_none()
        if invoice is None:
            raise InvoiceNotFoundError()
        return invoice

    # -- writes ----------------------------------------------------------------------------

    def cancel(self, order_id: str, contact: str | None, reason: str | None = None) -> Order:
        with self._writing():
            order = self._require(order_id, contact, for_update=True)
            if order.status == "cancelled":
                return order  # idempotent: a retried cancel must not refund twice
            now = self.clock()
            before = order.status
            order.status = self.lifecycle.next_state(order.status, "cancel")
            self.settle_cancelled(order, reason, now)
            event = ReportedEvent("cancelled", note=reason, source="customer")
            order_history.record(self.session, order, event, before, now)
            return self._commit_cancel(order_id, contact, order)

    def settle_cancelled(self, order: Order, reason: str | None, now: datetime) -> None:
        """What follows an order's move to cancelled, whoever cancelled it: when and why, and
        the refund (less the fee) of what was paid."""
        order.cancelled_at = now
        order.cancel_reason = reason
        order.updated_at = now
        amount = max(order.total_vnd - self.policies.cancellation_fee_vnd, 0)
        if order.paid_at is not None and order.refund is None and amount > 0:
            order.refund = self._new_refund(order, amount, "cancellation", now)

    def change_address(self, order_id: str, contact: str | None, address: NewAddress) -> Order:
        with self._writing():
            order = self._require(order_id, contact, for_update=True)
            if order.status not in self.policies.readdressable_statuses:
                raise RuleViolationError(
                    f"The address of an order that is {order.status} can no longer be changed.",
                    code="not_readdressable",
                    details={"status": order.status},
                )
            now = self.clock()
            target = order.shipping_address
            for field in ("recipient", "phone", "line1", "ward", "province"):
                setattr(target, field, getattr(address, field))
            target.updated_at = now
            order.updated_at = now
            self.session.commit()
            return order

    def request_return(
        self,
        order_id: str,
        contact: str | None,
        reason: str,
        items: Sequence[ReturnLine] | None = None,
    ) -> tuple[ReturnRequest, bool]:
        """Return (request, created); an order has at most one return request."""
        with self._writing():
            order = self._require(order_id, contact, for_update=True)
            if order.return_request is not None:
                return order.return_request, False
            rules = self.rules(order)
            if not rules.returnable:
                details: dict[str, Any] = {
                    "reason": rules.not_returnable_reason,
                    "status": order.status,
                    "return_deadline": rules.return_deadline,
                }
                if rules.warranty_until is not None and self.clock() <= rules.warranty_until:
                    details["warranty_until"] = rules.warranty_until
                raise RuleViolationError(
                    "This order cannot be returned.", code="not_returnable", details=details
                )
            lines = self._return_lines(order, items)
            now = self.clock()
            request = ReturnRequest(status="requested", reason=reason, created_at=now, items=lines)
            amount = sum(line.quantity * line.unit_price_vnd for line in lines)
            if order.refund is None and order.paid_at is not None and amount > 0:
                order.refund = self._new_refund(order, amount, "return", now)
            request.refund = order.refund
            order.return_request = request
            order.updated_at = now
            try:
                self.session.commit()
            except IntegrityError:
                # A concurrent request for the same order won the unique constraint: use it.
                self.session.rollback()
                existing = self._require(order_id, contact)
                if existing.return_request is None:
                    raise
                return existing.return_request, False
            return request, True

    # -- helpers ---------------------------------------------------------------------------

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """One write transaction: SQLite's write lock up front, and never left open, so an
        early return or a refused rule does not keep other writers waiting."""
        if self.session.in_transaction():
            self.session.commit()  # end an earlier read so the write lock is taken on BEGIN
        begin_write(self.session)
        try:
            yield
        except BaseException:
            self.session.rollback()
            raise
        if self.session.in_transaction():
            self.session.commit()

    def _find(
        self, order_id: str, contact: str | None, *, for_update: bool = False, detail: bool = True
    ) -> Order | None:
        """`detail`: load what an order answer shows too (seven more queries; a yes or no
        needs none of it)."""
        parsed = canonical_contact(contact) if contact else None
        if parsed is None:
            return None
        kind, value = parsed
        match = Customer.email == value if kind == "email" else Customer.phone == value
        # One query whether or not the order exists, so both answers cost the same.
        query = (
            select(Order)
            .join(Customer, Order.customer_id == Customer.id)
            .where(Order.id == order_id, match)
            .execution_options(populate_existing=True)
        )
        if detail:
            query = query.options(*order_detail())
        if for_update:
            query = query.with_for_update(of=Order)
        return self.session.execute(query).scalar_one_or_none()

    def _require(self, order_id: str, contact: str | None, *, for_update: bool = False) -> Order:
        order = self._find(order_id, contact, for_update=for_update)
        if order is None:
            raise OrderNotFoundError()
        return order

    def _return_lines(self, order: Order, items: Sequence[ReturnLine] | None) -> list[ReturnItem]:
        ordered = {item.sku: item for item in order.items}
        if items is None:
            return [
                ReturnItem(
                    sku=i.sku, name=i.name, quantity=i.quantity, unit_price_vnd=i.unit_price_vnd
                )
                for i in order.items
            ]
        problems = []
        lines = []
        for wanted in items:
            item = ordered.get(wanted.sku)
            if item is None:
                problems.append({"sku": wanted.sku, "message": "not in this order"})
            elif wanted.quantity > item.quantity:
                problems.append(
                    {"sku": wanted.sku, "message": f"only {item.quantity} in this order"}
                )
            else:
                lines.append(
                    ReturnItem(
                        sku=item.sku,
                        name=item.name,
                        quantity=wanted.quantity,
                        unit_price_vnd=item.unit_price_vnd,
                    )
                )
        if problems:
            raise InvalidReturnItemsError(
                "Some items cannot be returned from this order.", details=problems
            )
        return lines

    def _new_refund(self, order: Order, amount: int, reason: str, now: datetime) -> Refund:
        method = "bank_transfer" if order.payment_method == "cod" else order.payment_method
        today = now.astimezone(self.shop_tz).date()
        if method in WALLET_METHODS:
            expected = today + timedelta(days=self.policies.refund_days_wallet)
        elif method == "card":
            expected = add_working_days(today, self.policies.refund_days_card)
        else:
            expected = add_working_days(today, self.policies.refund_days_bank)
        return Refund(
            status="requested",
            amount_vnd=amount,
            method=method,
            reason=reason,
            requested_at=now,
            expected_by=expected,
        )

    def _commit_cancel(self, order_id: str, contact: str | None, order: Order) -> Order:
        try:
            self.session.commit()
        except IntegrityError:
            # Only a concurrent cancel that already wrote the refund is an acceptable outcome.
            self.session.rollback()
            current = self._require(order_id, contact)
            if current.status != "cancelled":
                raise
            return current
        return order
