"""Client for the retailer's order system (the reference back office or a shop's own API).

Actions get typed results and a handful of exceptions that map to what the assistant says:
`OrderNotFound` ("I can't find that order with those details"), `RuleViolation` (a business
rule says no, with the reason), `InvalidRequest` (ask again), `OrderSystemUnavailable` (try
later / hand over). Synchronous on purpose: actions call it through `asyncio.to_thread`.
Contacts travel in a header and are never logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

from actions.clients.http import (
    Answer,
    JsonApiClient,
    SchemaError,
)
from caredesk_rules.ids import canonical_order_id

logger = logging.getLogger(__name__)

DEFAULT_URL = "http://127.0.0.1:8000"
USER_AGENT = "caredesk-orders-client/0.1"
T = TypeVar("T")


# -- errors ---------------------------------------------------------------------------------


class OrdersClientError(Exception):
    """Base class: every failure of this client is one of the subclasses."""


class OrderSystemUnavailable(OrdersClientError):
    """Down, too slow, misconfigured or answering nonsense; the outcome of a write is unknown."""


class OrderNotFound(OrdersClientError):
    """No such order for this contact (the API does not say which of the two)."""


class RuleViolation(OrdersClientError):
    """A business rule refused the change, e.g. code "not_cancellable" with details["status"]."""

    def __init__(self, code: str, details: Mapping[str, Any] | None = None, message: str = ""):
        self.code = code
        self.details: dict[str, Any] = dict(details or {})
        self.message = message
        super().__init__(f"{code}: {message}" if message else code)


class InvalidRequest(OrdersClientError):
    """The order system rejected the input (malformed id, contact, address...)."""

    def __init__(self, message: str, code: str = "invalid_request", details: Any = None):
        self.code = code
        self.details = details
        super().__init__(message)


# -- results --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Address:
    """A delivery address in the two-level form: street, ward or commune, province."""

    recipient: str
    phone: str = field(repr=False)  # personal data: keep it out of reprs that end up in logs
    line1: str  # house number and street
    ward: str
    province: str

    def as_payload(self) -> dict[str, str]:
        return {
            "recipient": self.recipient,
            "phone": self.phone,
            "line1": self.line1,
            "ward": self.ward,
            "province": self.province,
        }


@dataclass(frozen=True)
class OrderItem:
    sku: str
    name: str
    quantity: int
    unit_price_vnd: int


@dataclass(frozen=True)
class TrackingEvent:
    at: datetime
    location: str
    description_en: str
    description_vi: str


@dataclass(frozen=True)
class Shipment:
    carrier: str
    tracking_number: str
    status: str
    expected_delivery: date | None
    delivered_at: datetime | None
    events: tuple[TrackingEvent, ...]


@dataclass(frozen=True)
class Order:
    id: str
    status: str
    placed_at: datetime
    items: tuple[OrderItem, ...]
    total_vnd: int
    payment_method: str
    shipping_address: Address
    shipment: Shipment | None
    cancellable: bool
    readdressable: bool
    returnable: bool
    return_deadline: datetime | None
    warranty_until: datetime | None = None


@dataclass(frozen=True)
class Refund:
    id: str
    status: str
    amount_vnd: int
    method: str
    requested_at: datetime
    expected_by: date


@dataclass(frozen=True)
class ReturnItem:
    sku: str
    name: str
    quantity: int


@dataclass(frozen=True)
class ReturnRequest:
    id: str
    order_id: str
    status: str
    reason: str
    items: tuple[ReturnItem, ...]
    created_at: datetime
    refund: Refund | None
    created: bool  # False when the order already had this request (idempotent repeat)


@dataclass(frozen=True)
class Invoice:
    invoice_number: str
    issued_at: datetime
    total_vnd: int
    vat_vnd: int
    url: str


@dataclass(frozen=True)
class Verification:
    status: str  # VERIFIED, NOT_VERIFIED or LOCKED
    attempts_left: int | None = None
    locked_until: datetime | None = None

    @property
    def verified(self) -> bool:
        return self.status == VERIFIED


VERIFIED, NOT_VERIFIED, LOCKED = "verified", "not_verified", "locked"


@dataclass(frozen=True)
class OrderSummary:
    """One of a customer's orders in a list: enough to recognise it."""

    id: str
    status: str
    placed_at: datetime
    total_vnd: int
    items: tuple[OrderItem, ...]


@dataclass(frozen=True)
class Loyalty:
    tier: str
    points: int
    points_value_vnd: int
    year_spend_vnd: int
    next_tier: str | None
    next_tier_spend_vnd: int | None


@dataclass(frozen=True)
class Subscription:
    """A conversation that gets an order's updates."""

    order_id: str
    conversation_id: str
    channel: str
    language: str
    proof: str  # "contact" or "signed_customer"
    created: bool  # False when the conversation already followed the order


class CustomerNotFound(OrdersClientError):
    """The order system knows no customer with that contact."""


# -- strict parsing: anything unexpected means the other side is broken ---------------------


def _get(data: Mapping[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    if not isinstance(data, Mapping) or key not in data:
        raise SchemaError(f"missing {key!r}")
    value = data[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise SchemaError(f"{key!r} has the wrong type")
    return value


def _opt(data: Mapping[str, Any], key: str, parse: Callable[[Any], T]) -> T | None:
    value = data.get(key) if isinstance(data, Mapping) else None
    return None if value is None else parse(value)


def _datetime(value: Any) -> datetime:
    if not isinstance(value, str):
        raise SchemaError("datetime must be a string")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise SchemaError("bad datetime") from None
    if parsed.tzinfo is None:
        raise SchemaError("datetime without time zone")
    return parsed


def _date(value: Any) -> date:
    if not isinstance(value, str):
        raise SchemaError("date must be a string")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise SchemaError("bad date") from None


def _list(data: Mapping[str, Any], key: str) -> list[Any]:
    value: list[Any] = _get(data, key, list)
    return value


def _address(d: Any) -> Address:
    return Address(
        recipient=_get(d, "recipient", str),
        phone=_get(d, "phone", str),
        line1=_get(d, "line1", str),
        ward=_get(d, "ward", str),
        province=_get(d, "province", str),
    )


def _event(d: Any) -> TrackingEvent:
    return TrackingEvent(
        at=_datetime(_get(d, "at", str)),
        location=_get(d, "location", str),
        description_en=_get(d, "description_en", str),
        description_vi=_get(d, "description_vi", str),
    )


def _shipment(d: Any) -> Shipment:
    return Shipment(
        carrier=_get(d, "carrier", str),
        tracking_number=_get(d, "tracking_number", str),
        status=_get(d, "status", str),
        expected_delivery=_opt(d, "expected_delivery", _date),
        delivered_at=_opt(d, "delivered_at", _datetime),
        events=tuple(_event(e) for e in _list(d, "events")),
    )


def _items(d: Any) -> tuple[OrderItem, ...]:
    return tuple(
        OrderItem(
            sku=_get(i, "sku", str),
            name=_get(i, "name", str),
            quantity=_get(i, "quantity", int),
            unit_price_vnd=_get(i, "unit_price_vnd", int),
        )
        for i in _list(d, "items")
    )


def _order_summary(d: Any) -> OrderSummary:
    return OrderSummary(
        id=_get(d, "id", str),
        status=_get(d, "status", str),
        placed_at=_datetime(_get(d, "placed_at", str)),
        total_vnd=_get(d, "total_vnd", int),
        items=_items(d),
    )


def _recent_orders(d: Any) -> tuple[OrderSummary, ...]:
    return tuple(_order_summary(o) for o in _list(d, "orders"))


def _optional_int(d: Any, key: str) -> int | None:
    value = d.get(key) if isinstance(d, Mapping) else None
    if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
        raise SchemaError(f"{key!r} has the wrong type")
    return value


def _loyalty(d: Any) -> Loyalty:
    next_tier = d.get("next_tier") if isinstance(d, Mapping) else None
    if next_tier is not None and not isinstance(next_tier, str):
        raise SchemaError("'next_tier' has the wrong type")
    return Loyalty(
        tier=_get(d, "tier", str),
        points=_get(d, "points", int),
        points_value_vnd=_get(d, "points_value_vnd", int),
        year_spend_vnd=_get(d, "year_spend_vnd", int),
        next_tier=next_tier,
        next_tier_spend_vnd=_optional_int(d, "next_tier_spend_vnd"),
    )


def _order(d: Any) -> Order:
    return Order(
        id=_get(d, "id", str),
        status=_get(d, "status", str),
        placed_at=_datetime(_get(d, "placed_at", str)),
        items=_items(d),
        total_vnd=_get(d, "total_vnd", int),
        payment_method=_get(d, "payment_method", str),
        shipping_address=_address(_get(d, "shipping_address", Mapping)),
        shipment=_opt(d, "shipment", _shipment),
        cancellable=_get(d, "cancellable", bool),
        readdressable=_get(d, "readdressable", bool),
        returnable=_get(d, "returnable", bool),
        return_deadline=_opt(d, "return_deadline", _datetime),
        warranty_until=_opt(d, "warranty_until", _datetime),
    )


def _refund(d: Any) -> Refund:
    return Refund(
        id=_get(d, "id", str),
        status=_get(d, "status", str),
        amount_vnd=_get(d, "amount_vnd", int),
        method=_get(d, "method", str),
        requested_at=_datetime(_get(d, "requested_at", str)),
        expected_by=_date(_get(d, "expected_by", str)),
    )


def _return_request(d: Any, created: bool) -> ReturnRequest:
    return ReturnRequest(
        id=_get(d, "id", str),
        order_id=_get(d, "order_id", str),
        status=_get(d, "status", str),
        reason=_get(d, "reason", str),
        items=tuple(
            ReturnItem(
                sku=_get(i, "sku", str),
                name=_get(i, "name", str),
                quantity=_get(i, "quantity", int),
            )
            for i in _list(d, "items")
        ),
        created_at=_datetime(_get(d, "created_at", str)),
        refund=_opt(d, "refund", _refund),
        created=created,
    )


def _verification(d: Any) -> Verification:
    status = _get(d, "status", str)
    if status not in (VERIFIED, NOT_VERIFIED, LOCKED):
        raise SchemaError("unknown verification status")
    left = d.get("attempts_left")
    if left is not None and (not isinstance(left, int) or isinstance(left, bool)):
        raise SchemaError("'attempts_left' has the wrong type")
    until = _opt(d, "locked_until", _datetime)
    if status == LOCKED and until is None:
        raise SchemaError("a lock without 'locked_until'")
    return Verification(status, left, until)


def _subscription(d: Any, created: bool) -> Subscription:
    return Subscription(
        order_id=_get(d, "order_id", str),
        conversation_id=_get(d, "conversation_id", str),
        channel=_get(d, "channel", str),
        language=_get(d, "language", str),
        proof=_get(d, "proof", str),
        created=created,
    )


def _unsubscribed(d: Any) -> tuple[str, ...]:
    ended = _list(d, "unsubscribed")
    if not all(isinstance(order_id, str) for order_id in ended):
        raise SchemaError("'unsubscribed' must list order ids")
    return tuple(ended)


def _invoice(d: Any) -> Invoice:
    return Invoice(
        invoice_number=_get(d, "invoice_number", str),
        issued_at=_datetime(_get(d, "issued_at", str)),
        total_vnd=_get(d, "total_vnd", int),
        vat_vnd=_get(d, "vat_vnd", int),
        url=_get(d, "url", str),
    )


# -- the client -----------------------------------------------------------------------------


class OrdersClient(JsonApiClient):
    """HTTP client for the order API; one instance per process, shared by all actions."""

    service = "order system"
    user_agent = USER_AGENT
    url_variable = "ORDERS_API_URL"
    timeout_variable = "ORDERS_API_TIMEOUT"
    retries_variable = "ORDERS_API_RETRIES"
    default_url = DEFAULT_URL
    unavailable = OrderSystemUnavailable
    invalid = InvalidRequest

    def __enter__(self) -> OrdersClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- public API -----------------------------------------------------------------------

    def health(self) -> bool:
        """True when the service and its database answer; never raises."""
        try:
            response = self._session.get(f"{self.base_url}/health", timeout=self.timeout)
        except OSError:  # requests' exceptions are OSErrors
            return False
        return response.status_code == 200

    def verify(self, order_id: str, contact: str, client: str) -> Verification:
        """Does `contact` (email or phone, any format) belong to the order? `client` names the
        conversation (channel:sender id): the order system counts failures per order, contact
        and client and may answer that the order is locked. Safe to retry (a repeat of the
        same failure counts once more, which only brings a lock closer)."""
        answer = self._call(
            "POST",
            "/orders/verify",
            json={"order_id": normalise_order_id(order_id), "contact": contact, "client": client},
            retry=True,
        )
        if answer.status != 200:
            self._raise_for(answer)
        return self._parse(_verification, answer.body)

    def get_order(self, order_id: str, contact: str) -> Order:
        answer = self._call("GET", self._order_path(order_id), contact=contact, retry=True)
        if answer.status != 200:
            self._raise_for(answer)
        return self._parse(_order, answer.body)

    def cancel(self, order_id: str, contact: str, reason: str | None = None) -> Order:
        """Cancel; idempotent on the server. When the answer is lost, the order is re-read so
        the caller learns the real outcome or gets `OrderSystemUnavailable`, never a guess."""
        path = self._order_path(order_id) + "/cancel"
        payload = {"reason": reason} if reason else {}
        try:
            answer = self._call("POST", path, contact=contact, json=payload, retry=False)
        except OrderSystemUnavailable as exc:
            return self._settle_cancel(order_id, contact, exc)
        if answer.status >= 500:
            return self._settle_cancel(
                order_id,
                contact,
                OrderSystemUnavailable(f"order system answered HTTP {answer.status}"),
            )
        if answer.status != 200:
            self._raise_for(answer)
        return self._parse(_order, answer.body)

    def change_shipping_address(self, order_id: str, contact: str, address: Address) -> Order:
        path = self._order_path(order_id) + "/shipping-address"
        answer = self._call("PUT", path, contact=contact, json=address.as_payload())
        if answer.status != 200:
            self._raise_for(answer)
        return self._parse(_order, answer.body)

    def request_return(
        self,
        order_id: str,
        contact: str,
        reason: str,
        items: Mapping[str, int] | None = None,
    ) -> ReturnRequest:
        """Request a return/refund; `items` maps sku to quantity (default: the whole order).
        A repeat returns the existing request with `created=False`."""
        payload: dict[str, Any] = {"reason": reason}
        if items is not None:
            payload["items"] = [{"sku": sku, "quantity": qty} for sku, qty in items.items()]
        path = self._order_path(order_id) + "/returns"
        answer = self._call("POST", path, contact=contact, json=payload)
        if answer.status not in (200, 201):
            self._raise_for(answer)
        created = answer.status == 201
        return self._parse(lambda d: _return_request(d, created), answer.body)

    def get_refund(self, order_id: str, contact: str) -> Refund | None:
        """The order's refund, or None when it has none."""
        path = self._order_path(order_id) + "/refund"
        answer = self._call("GET", path, contact=contact, retry=True)
        if answer.status == 404 and self._error_code(answer) == "no_refund":
            return None
        if answer.status != 200:
            self._raise_for(answer)
        return self._parse(_refund, answer.body)

    def get_invoice(self, order_id: str, contact: str) -> Invoice | None:
        """The order's invoice (with a shareable link), or None when none is issued yet."""
        path = self._order_path(order_id) + "/invoice"
        answer = self._call("GET", path, contact=contact, retry=True)
        if answer.status == 404 and self._error_code(answer) == "no_invoice":
            return None
        if answer.status != 200:
            self._raise_for(answer)
        return self._parse(_invoice, answer.body)

    def recent_orders(self, contact: str, limit: int = 5) -> tuple[OrderSummary, ...]:
        """The customer's latest orders, newest first (none for a contact nobody has). The
        contact must be proven already: a signed-in customer's, or one that verified an order."""
        answer = self._call(
            "GET", f"/customers/orders?limit={int(limit)}", contact=contact, retry=True
        )
        if answer.status != 200:
            self._raise_for(answer)
        return self._parse(_recent_orders, answer.body)

    def loyalty(self, contact: str) -> Loyalty:
        """The customer's tier and points (`CustomerNotFound` for a contact nobody has); the
        contact must be proven already, as for `recent_orders`."""
        answer = self._call("GET", "/customers/loyalty", contact=contact, retry=True)
        if answer.status == 404 and self._error_code(answer) == "customer_not_found":
            raise CustomerNotFound("no customer with this contact")
        if answer.status != 200:
            self._raise_for(answer)
        return self._parse(_loyalty, answer.body)

    def subscribe(
        self,
        order_id: str,
        conversation_id: str,
        channel: str,
        language: str,
        *,
        contact: str | None = None,
        customer_id: str | None = None,
    ) -> Subscription:
        """Send this conversation the order's updates. The proof is the contact that verified
        the order or the shop's signed-in customer id (exactly one); a failing proof counts as
        a failed verification (`OrderNotFound`), a finished order is `RuleViolation`
        ("not_subscribable"). Idempotent on the server, so retried."""
        body: dict[str, Any] = {
            "order_id": normalise_order_id(order_id),
            "conversation_id": conversation_id,
            "channel": channel,
            "language": language,
        }
        body.update({"contact": contact} if contact else {"customer_id": customer_id})
        answer = self._call("POST", "/order-subscriptions", json=body, retry=True)
        if answer.status not in (200, 201):
            self._raise_for(answer)
        created = answer.status == 201
        return self._parse(lambda d: _subscription(d, created), answer.body)

    def unsubscribe(self, conversation_id: str, order_id: str | None = None) -> tuple[str, ...]:
        """End the conversation's updates about one order, or all; the orders it no longer
        follows (none when it followed none). Idempotent, so retried."""
        query = {"conversation_id": conversation_id}
        if order_id is not None:
            query["order_id"] = normalise_order_id(order_id)
        answer = self._call("DELETE", f"/order-subscriptions?{urlencode(query)}", retry=True)
        if answer.status != 200:
            self._raise_for(answer)
        return self._parse(_unsubscribed, answer.body)

    # -- plumbing -------------------------------------------------------------------------

    @staticmethod
    def _order_path(order_id: str) -> str:
        # Quoting is belt and braces: the id was already reduced to ORD-digits.
        return f"/orders/{quote(normalise_order_id(order_id), safe='')}"

    def _raise_for(self, answer: Answer) -> None:
        error = self._error(answer)
        code = error["code"] if error else None
        message = str(error.get("message", "")) if error else ""
        details = error.get("details") if error else None
        if answer.status == 404 and code == "order_not_found":
            raise OrderNotFound(message or "order not found")
        if answer.status == 409 and code:
            raise RuleViolation(code, details if isinstance(details, Mapping) else {}, message)
        if answer.status in (400, 413, 422) and code:
            raise InvalidRequest(message or code, code=code, details=details)
        if answer.status == 401:
            logger.error("order system rejected our API key (check BACKOFFICE_API_KEY)")
        # 401, unknown 404 (wrong URL), 5xx and shapes we don't know: we cannot go on.
        raise self._unavailable(answer)

    def _settle_cancel(self, order_id: str, contact: str, cause: OrderSystemUnavailable) -> Order:
        logger.warning("cancel of %s has an unknown outcome; reading the order back", order_id)
        try:
            order = self.get_order(order_id, contact)
        except OrderSystemUnavailable as exc:
            raise OrderSystemUnavailable(
                "cancellation outcome unknown: the order system did not answer"
            ) from exc
        if order.status == "cancelled":
            return order
        if not order.cancellable:
            raise RuleViolation(
                "not_cancellable", {"status": order.status}, "the order can no longer be cancelled"
            )
        # Still cancellable: the request may be lost or still in flight. Saying either would
        # be a guess.
        raise OrderSystemUnavailable("cancellation outcome unknown") from cause


def normalise_order_id(order_id: str) -> str:
    """ "ord 10001" -> "ORD-10001"; anything that is not an order number is an InvalidRequest."""
    canonical = canonical_order_id(order_id)
    if canonical is None:
        raise InvalidRequest(
            "not an order number (ORD- followed by digits)", code="invalid_order_id"
        )
    return canonical
