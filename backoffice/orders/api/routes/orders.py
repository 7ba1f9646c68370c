"""Order endpoints for the assistant; every call is scoped to the customer who proved a contact."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request, Response

from backoffice.api.deps import VerificationGuardDep
from backoffice.api.schemas import ERROR_RESPONSES, ErrorResponse
from backoffice.core.verification import Attempt
from backoffice.orders.api.deps import ContactDep, OrderIdDep, OrderServiceDep
from backoffice.orders.models import (
    Invoice,
    Order,
    OrderHistory,
    OrderItem,
    Refund,
    ReturnRequest,
)
from backoffice.orders.schemas import (
    AddressIn,
    AddressOut,
    CancelRequest,
    InvoiceOut,
    ItemOut,
    OrderEventIn,
    OrderEventOut,
    OrderHistoryOut,
    OrderOut,
    RefundOut,
    ReturnItemOut,
    ReturnOut,
    ReturnRequestIn,
    ShipmentOut,
    TrackingEventOut,
    VerifyRequest,
    VerifyResponse,
)
from backoffice.orders.services.order_events import OrderEventService
from backoffice.orders.services.order_history import ReportedEvent
from backoffice.orders.services.orders import NewAddress, OrderRules, ReturnLine

router = APIRouter(prefix="/orders", tags=["orders"], responses=ERROR_RESPONSES)
logger = logging.getLogger(__name__)

_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorResponse, "description": "A business rule forbids this"}
}


def item_out(item: OrderItem) -> ItemOut:
    return ItemOut(
        sku=item.sku, name=item.name, quantity=item.quantity, unit_price_vnd=item.unit_price_vnd
    )


def history_out(event: OrderHistory) -> OrderHistoryOut:
    return OrderHistoryOut(
        type=event.type,
        event_id=event.event_id,
        status_before=event.status_before,
        status_after=event.status_after,
        note=event.note,
        expected_delivery=event.expected_delivery,
        carrier=event.carrier,
        tracking_number=event.tracking_number,
        source=event.source,
        created_at=event.created_at,
    )


def order_out(order: Order, rules: OrderRules) -> OrderOut:
    address = order.shipping_address
    shipment = order.shipment
    return OrderOut(
        id=order.id,
        status=order.status,
        placed_at=order.placed_at,
        items=[item_out(i) for i in order.items],
        total_vnd=order.total_vnd,
        payment_method=order.payment_method,
        shipping_address=AddressOut(
            recipient=address.recipient,
            phone=address.phone,
            line1=address.line1,
            ward=address.ward,
            province=address.province,
        ),
        shipment=None
        if shipment is None
        else ShipmentOut(
            carrier=shipment.carrier,
            tracking_number=shipment.tracking_number,
            status=shipment.status,
            expected_delivery=shipment.expected_delivery,
            delivered_at=shipment.delivered_at,
            events=[
                TrackingEventOut(
                    at=e.at,
                    location=e.location,
                    description_en=e.description_en,
                    description_vi=e.description_vi,
                )
                for e in shipment.events
            ],
        ),
        cancellable=rules.cancellable,
        readdressable=rules.readdressable,
        returnable=rules.returnable,
        return_deadline=rules.return_deadline,
        warranty_until=rules.warranty_until,
        history=[history_out(event) for event in order.history],
    )


def refund_out(refund: Refund) -> RefundOut:
    return RefundOut(
        id=refund.public_id,
        status=refund.status,
        amount_vnd=refund.amount_vnd,
        method=refund.method,
        requested_at=refund.requested_at,
        expected_by=refund.expected_by,
    )


def return_out(request: ReturnRequest) -> ReturnOut:
    return ReturnOut(
        id=request.public_id,
        order_id=request.order_id,
        status=request.status,
        reason=request.reason,
        items=[ReturnItemOut(sku=i.sku, name=i.name, quantity=i.quantity) for i in request.items],
        created_at=request.created_at,
        refund=refund_out(request.refund) if request.refund is not None else None,
    )


def invoice_out(invoice: Invoice, public_base_url: str) -> InvoiceOut:
    return InvoiceOut(
        invoice_number=invoice.invoice_number,
        issued_at=invoice.issued_at,
        total_vnd=invoice.total_vnd,
        vat_vnd=invoice.vat_vnd,
        url=f"{public_base_url}/invoices/{invoice.token}",
    )


@router.post("/verify", response_model=VerifyResponse, summary="Does this contact own the order?")
def verify_order(
    body: VerifyRequest, service: OrderServiceDep, guard: VerificationGuardDep
) -> VerifyResponse:
    """Counted per order, contact and client across conversations (core/verification.py):
    too many failures lock the order, and a locked order is not checked at all."""
    outcome = guard.check(
        Attempt("order", body.order_id, body.contact, body.client),
        lambda: service.verify(body.order_id, body.contact),
    )
    return VerifyResponse(
        status=outcome.status,
        verified=outcome.verified,
        attempts_left=outcome.attempts_left,
        locked_until=outcome.locked_until,
    )


@router.get("/{order_id}", response_model=OrderOut, summary="Order details")
def get_order(
    order_id: OrderIdDep,
    contact: ContactDep,
    service: OrderServiceDep,
) -> OrderOut:
    order = service.get_order(order_id, contact)
    return order_out(order, service.rules(order))


@router.post(
    "/{order_id}/cancel",
    response_model=OrderOut,
    responses=_CONFLICT,
    summary="Cancel an order that has not shipped (idempotent)",
)
def cancel_order(
    order_id: OrderIdDep,
    contact: ContactDep,
    service: OrderServiceDep,
    body: Annotated[CancelRequest | None, Body()] = None,
) -> OrderOut:
    order = service.cancel(order_id, contact, body.reason if body else None)
    logger.info("order %s is cancelled (refund: %s)", order.id, bool(order.refund))
    return order_out(order, service.rules(order))


@router.put(
    "/{order_id}/shipping-address",
    response_model=OrderOut,
    responses=_CONFLICT,
    summary="Change the delivery address before the order ships",
)
def change_shipping_address(
    body: AddressIn,
    order_id: OrderIdDep,
    contact: ContactDep,
    service: OrderServiceDep,
) -> OrderOut:
    """The two-level form; an old three-level address is accepted (AddressIn says how)."""
    order = service.change_address(
        order_id, contact, NewAddress(**body.model_dump(exclude={"district"}))
    )
    logger.info("order %s has a new shipping address", order.id)
    return order_out(order, service.rules(order))


@router.post(
    "/{order_id}/returns",
    response_model=ReturnOut,
    status_code=201,
    responses={200: {"model": ReturnOut, "description": "The existing request"}, **_CONFLICT},
    summary="Request a return and refund (one per order)",
)
def request_return(
    body: ReturnRequestIn,
    response: Response,
    order_id: OrderIdDep,
    contact: ContactDep,
    service: OrderServiceDep,
) -> ReturnOut:
    items = None
    if body.items is not None:
        items = [ReturnLine(sku=i.sku, quantity=i.quantity) for i in body.items]
    request, created = service.request_return(order_id, contact, body.reason, items)
    if created:
        logger.info("return %s requested for order %s", request.public_id, order_id)
    else:
        response.status_code = 200
    return return_out(request)


@router.get("/{order_id}/refund", response_model=RefundOut, summary="The order's refund")
def get_refund(
    order_id: OrderIdDep,
    contact: ContactDep,
    service: OrderServiceDep,
) -> RefundOut:
    return refund_out(service.get_refund(order_id, contact))


@router.get("/{order_id}/invoice", response_model=InvoiceOut, summary="The order's invoice")
def get_invoice(
    request: Request,
    order_id: OrderIdDep,
    contact: ContactDep,
    service: OrderServiceDep,
) -> InvoiceOut:
    invoice = service.get_invoice(order_id, contact)
    return invoice_out(invoice, request.app.state.settings.public_base_url)


@router.post(
    "/{order_id}/events",
    response_model=OrderEventOut,
    responses=_CONFLICT,
    summary="An event from the order system or a carrier (idempotent by event_id)",
)
def report_order_event(
    body: OrderEventIn, order_id: OrderIdDep, service: OrderServiceDep, request: Request
) -> OrderEventOut:
    """shipped, delivered and cancelled move the order (409 where its status does not allow
    it); the others are news about the current status. Kept in the order's history and
    published to its subscribers in the same transaction. A repeat (the same `event_id`, or
    without one the same event as the latest) is answered with the kept event, `repeated`."""
    event = ReportedEvent(
        type=body.type,
        event_id=body.event_id,
        note=body.note,
        expected_delivery=body.expected_delivery,
        carrier=body.carrier,
        tracking_number=body.tracking_number,
        source=body.source,
    )
    order, kept, repeated = OrderEventService(service).report(order_id, event)
    if not repeated:
        logger.info("order %s: %s (%s -> %s)", order.id, kept.type, kept.status_before,
                    kept.status_after)  # fmt: skip
        # Its updates are committed: the delivery worker sends them now, not at its next poll.
        request.app.state.order_updates.wake()
    answer = order_out(order, service.rules(order))
    return OrderEventOut(**dict(answer), event=history_out(kept), repeated=repeated)
