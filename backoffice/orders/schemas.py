"""The order API's wire format. Strict on input (types, lengths, formats), explicit on output."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Literal

from pydantic import (
    BaseModel,
    Field,
    StrictStr,
    ValidationInfo,
    conint,
    field_validator,
    model_validator,
)

from backoffice.api.schemas import CLIENT_MAX_LENGTH, StrictRequest, multi_line, single_line
from backoffice.core.verification import Status as VerificationStatus
from caredesk_rules.addresses import MAX_STREET_LENGTH, MAX_WARD_LENGTH, province_name, ward_name
from caredesk_rules.contacts import MAX_EMAIL_LENGTH, canonical_contact, canonical_phone
from caredesk_rules.ids import ORDER_ID_MAX_LENGTH, ORDER_ID_PATTERN

SKU_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$"
# The sender's idempotency key of an event: its own event id, or any unique token.
EVENT_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$"
TRACKING_NUMBER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9-]{3,39}$"
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
OrderEventType = Literal[
    "packed", "shipped", "out_for_delivery", "delivered", "delayed", "delivery_failed", "cancelled"
]
Channel = Literal["socketio", "rest", "telegram", "facebook", "zalo"]

if TYPE_CHECKING:
    Quantity = int
else:
    Quantity = conint(strict=True, ge=1, le=999)


class VerifyRequest(StrictRequest):
    order_id: StrictStr = Field(..., pattern=ORDER_ID_PATTERN, max_length=ORDER_ID_MAX_LENGTH)
    contact: StrictStr = Field(..., min_length=3, max_length=MAX_EMAIL_LENGTH)
    client: StrictStr = Field(
        ...,
        min_length=1,
        max_length=CLIENT_MAX_LENGTH,
        description="Who asks: the conversation's channel and sender id, e.g. socketio:4f0c…",
    )

    _client = field_validator("client")(single_line)

    @field_validator("contact")
    def _contact(cls, value: str) -> str:
        if canonical_contact(value) is None:
            raise ValueError("must be an email address or a Vietnamese mobile number")
        return value


class VerifyResponse(BaseModel):
    """The same answer whether the order does not exist or the contact is wrong."""

    status: VerificationStatus
    verified: bool
    attempts_left: int | None = Field(
        None, description="not_verified: failed attempts left before the order locks"
    )
    locked_until: datetime | None = Field(
        None, description="locked: when the order can be checked again"
    )


class CancelRequest(StrictRequest):
    reason: StrictStr | None = Field(None, max_length=500)

    @field_validator("reason")
    def _text(cls, value: str | None) -> str | None:
        return None if value is None else multi_line(value)


def read_as(reader: Callable[[str], str | None], problem: str) -> Callable[[str], str]:
    """A field validator: the value as `reader` writes it, or `problem` when it cannot."""

    def validate(value: str) -> str:
        read = reader(value)
        if read is None:
            raise ValueError(problem)
        return read

    return validate


class AddressIn(StrictRequest):
    """A delivery address in the two-level form (since 1 July 2025). The old three-level form is
    still accepted: a `district` is dropped, and a province's former or short name ("Bình
    Dương", "TP. HCM", "Quận 1, TP. Hồ Chí Minh") is stored as its name today."""

    recipient: StrictStr = Field(..., min_length=1, max_length=100)
    phone: StrictStr = Field(..., min_length=9, max_length=32)
    line1: StrictStr = Field(
        ..., min_length=1, max_length=MAX_STREET_LENGTH, description="House number and street"
    )
    ward: StrictStr = Field(
        ...,
        min_length=1,
        max_length=MAX_WARD_LENGTH,
        description="Phường, xã or đặc khu, e.g. 'Phường Sài Gòn' ('P. Sài Gòn' is written out)",
    )
    province: StrictStr = Field(
        ...,
        min_length=1,
        max_length=100,
        description="One of the 34 provinces and centrally-run cities, e.g. "
        "'Thành phố Hồ Chí Minh'; a former province is stored as the one it is part of now",
    )
    district: StrictStr | None = Field(
        None,
        max_length=100,
        deprecated=True,
        description="Old three-level form only: accepted and dropped (districts no longer exist)",
    )

    _text = field_validator("recipient", "line1", "ward", "province")(single_line)
    _district = field_validator("district")(lambda v: None if v is None else single_line(v))

    _ward = field_validator("ward")(
        read_as(
            ward_name,
            "must be a ward, commune or special zone (phường, xã or đặc khu), e.g. "
            "Phường Sài Gòn; districts no longer exist",
        )
    )
    _province = field_validator("province")(
        read_as(
            province_name,
            "must be one of Vietnam's 34 provinces and centrally-run cities (or a former "
            "province's name), e.g. Thành phố Hồ Chí Minh",
        )
    )
    _phone = field_validator("phone")(
        read_as(canonical_phone, "must be a Vietnamese mobile number, e.g. 0912 345 678")
    )


class ReturnItemIn(StrictRequest):
    sku: StrictStr = Field(..., pattern=SKU_PATTERN)
    quantity: Quantity = 1


class ReturnRequestIn(StrictRequest):
    reason: StrictStr = Field(..., min_length=1, max_length=500)
    items: list[ReturnItemIn] | None = Field(None, min_length=1, max_length=50)

    _text = field_validator("reason")(multi_line)

    @field_validator("items")
    def _unique_skus(cls, value: list[ReturnItemIn] | None) -> list[ReturnItemIn] | None:
        if value is not None and len({item.sku for item in value}) != len(value):
            raise ValueError("each sku may appear only once")
        return value


def iso_day(value: object) -> date | None:
    """A real calendar day written YYYY-MM-DD (nothing else is taken for a date)."""
    if value is None:
        return None
    if not isinstance(value, str) or not _ISO_DAY.match(value.strip()):
        raise ValueError("must be a date written YYYY-MM-DD")
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError("must be a real calendar day") from None


class OrderEventIn(StrictRequest):
    """An event the order system or a carrier reports. `event_id` is the sender's own id of the
    event: a retried delivery with the same id is answered with the event already kept."""

    type: OrderEventType
    event_id: StrictStr | None = Field(
        None,
        pattern=EVENT_ID_PATTERN,
        description="The sender's id of this event (its idempotency key), 1-100 characters",
    )
    note: StrictStr | None = Field(None, min_length=1, max_length=500)
    expected_delivery: date | None = Field(
        None, description="YYYY-MM-DD, the shop's day; not in the past"
    )
    carrier: StrictStr | None = Field(None, min_length=1, max_length=32)
    tracking_number: StrictStr | None = Field(None, pattern=TRACKING_NUMBER_PATTERN)
    source: Literal["order_system", "carrier"] = "order_system"

    _note = field_validator("note")(lambda v: None if v is None else multi_line(v))
    _carrier = field_validator("carrier")(lambda v: None if v is None else single_line(v))

    @field_validator("expected_delivery", mode="before")
    @classmethod
    def _day(cls, value: object, info: ValidationInfo) -> date | None:
        day = iso_day(value)
        if day is not None and info.data.get("type") in ("delivered", "cancelled"):
            raise ValueError(f"does not go with a {info.data['type']} event")
        return day

    @field_validator("carrier", "tracking_number")
    def _only_when_shipped(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and info.data.get("type", "shipped") != "shipped":
            raise ValueError("only a shipped event sets the carrier and tracking number")
        return value


class SubscriptionIn(StrictRequest):
    """A conversation asks for an order's updates, with one proof that the order is its
    customer's: `contact` (checked and counted as a verification) or `customer_id` (the shop's
    signed-in customer, as the channel verified it from the shop's signed token)."""

    order_id: StrictStr = Field(..., pattern=ORDER_ID_PATTERN, max_length=ORDER_ID_MAX_LENGTH)
    conversation_id: StrictStr = Field(
        ..., min_length=1, max_length=CLIENT_MAX_LENGTH, description="Rasa's sender id"
    )
    channel: Channel
    language: Literal["en", "vi"]
    contact: StrictStr | None = Field(None, min_length=3, max_length=MAX_EMAIL_LENGTH)
    customer_id: StrictStr | None = Field(None, min_length=3, max_length=MAX_EMAIL_LENGTH)

    _conversation = field_validator("conversation_id")(single_line)

    @field_validator("contact", "customer_id")
    def _contact(cls, value: str | None) -> str | None:
        if value is not None and canonical_contact(value) is None:
            raise ValueError("must be an email address or a Vietnamese mobile number")
        return value

    @model_validator(mode="after")
    def _one_proof(self) -> SubscriptionIn:
        if (self.contact is None) == (self.customer_id is None):
            raise ValueError("give exactly one proof: contact or customer_id")
        return self


class ItemOut(BaseModel):
    sku: str
    name: str
    quantity: int
    unit_price_vnd: int


class AddressOut(BaseModel):
    recipient: str
    phone: str
    line1: str = Field(..., description="House number and street")
    ward: str = Field(..., description="Phường, xã or đặc khu")
    province: str = Field(..., description="One of the 34 provinces and centrally-run cities")


class TrackingEventOut(BaseModel):
    at: datetime
    location: str
    description_en: str
    description_vi: str


class ShipmentOut(BaseModel):
    carrier: str
    tracking_number: str
    status: str
    expected_delivery: date | None
    delivered_at: datetime | None
    events: list[TrackingEventOut]


class OrderHistoryOut(BaseModel):
    type: str
    event_id: str | None = Field(None, description="The sender's id of the event, if it gave one")
    status_before: str
    status_after: str
    note: str | None
    expected_delivery: date | None
    carrier: str | None
    tracking_number: str | None
    source: str = Field(..., description="order_system, carrier or customer")
    created_at: datetime


class OrderOut(BaseModel):
    id: str
    status: str
    placed_at: datetime
    items: list[ItemOut]
    total_vnd: int
    payment_method: str
    shipping_address: AddressOut
    shipment: ShipmentOut | None
    cancellable: bool
    readdressable: bool
    returnable: bool
    return_deadline: datetime | None
    warranty_until: datetime | None
    history: list[OrderHistoryOut] = Field(
        default_factory=list, description="Every event reported since, oldest first"
    )


class OrderEventOut(OrderOut):
    """The order after the event, the event as kept, and whether it was a repeat (no-op)."""

    event: OrderHistoryOut
    repeated: bool


class SubscriptionOut(BaseModel):
    order_id: str
    conversation_id: str
    channel: str
    language: str
    proof: str = Field(..., description="contact or signed_customer")
    created_at: datetime


class SubscriptionsOut(BaseModel):
    subscriptions: list[SubscriptionOut]


class UnsubscribedOut(BaseModel):
    unsubscribed: list[str] = Field(..., description="The orders no longer followed")


class RefundOut(BaseModel):
    id: str
    status: str
    amount_vnd: int
    method: str
    requested_at: datetime
    expected_by: date


class ReturnItemOut(BaseModel):
    sku: str
    name: str
    quantity: int


class ReturnOut(BaseModel):
    id: str
    order_id: str
    status: str
    reason: str
    items: list[ReturnItemOut]
    created_at: datetime
    refund: RefundOut | None


class InvoiceOut(BaseModel):
    invoice_number: str
    issued_at: datetime
    total_vnd: int
    vat_vnd: int
    url: str


class OrderSummaryOut(BaseModel):
    """An order in a customer's list: enough to recognise it, not its details."""

    id: str
    status: str
    placed_at: datetime
    total_vnd: int
    items: list[ItemOut]


class RecentOrdersOut(BaseModel):
    orders: list[OrderSummaryOut] = Field(..., description="Newest first")


class LoyaltyOut(BaseModel):
    tier: str = Field(..., description="member, silver, gold or diamond")
    points: int
    points_value_vnd: int = Field(..., description="What the points take off an order")
    year_spend_vnd: int = Field(..., description="Spend over the last 12 months")
    next_tier: str | None = Field(None, description="None at the top tier")
    next_tier_spend_vnd: int | None = Field(
        None, description="What is still to spend over 12 months for the next tier"
    )
