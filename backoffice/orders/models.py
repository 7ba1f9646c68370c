"""The order system's tables: a deliberately small slice of a real shop's order database."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import relationship

from backoffice.core.models import Base, UTCDateTime

ORDER_STATUSES = ("pending", "processing", "shipped", "delivered", "cancelled")
PAYMENT_METHODS = ("cod", "card", "momo", "zalopay", "vnpay", "bank_transfer")
REFUND_STATUSES = ("requested", "approved", "processing", "refunded", "rejected")
RETURN_STATUSES = ("requested", "approved", "received", "rejected", "completed")
SHIPMENT_STATUSES = ("label_created", "in_transit", "out_for_delivery", "delivered", "failed")
# What the order system or a carrier reports about an order (POST /api/v1/orders/{id}/events);
# which of them move the order, and when each is accepted, is order_states.py's rule.
ORDER_EVENT_TYPES = (
    "packed",
    "shipped",
    "out_for_delivery",
    "delivered",
    "delayed",
    "delivery_failed",
    "cancelled",
)
# Who reported an event: the retailer's order system or a carrier (through the events API), or
# the customer (a cancel in the conversation).
ORDER_EVENT_SOURCES = ("order_system", "carrier", "customer")
# The Rasa input channels a conversation may be subscribed on (channels/ names them so).
SUBSCRIPTION_CHANNELS = ("socketio", "rest", "telegram", "facebook", "zalo")
SUBSCRIPTION_PROOFS = ("contact", "signed_customer")
# Where one update to one subscribed conversation is (order_outbox.py says what each means).
UPDATE_STATES = ("pending", "deferred", "sent", "not_allowed", "failed", "unsubscribed")
# The loyalty programme's tiers, lowest first (knowledge/store.yml `loyalty_tiers` gives each
# tier's yearly spend).
LOYALTY_TIERS = ("member", "silver", "gold", "diamond")


def _one_of(column: str, values: tuple[str, ...], table: str | None = None) -> CheckConstraint:
    """`column IN (values)`. The first tables' constraints are named by a template the metadata
    never fills in (docs/migrations.md: the baseline keeps those names); later tables give
    their own name, `table`, so the name is the one their revision wrote."""
    allowed = ", ".join(f"'{v}'" for v in values)
    name = f"ck_{table or '%(table_name)s'}_{column}"
    return CheckConstraint(f"{column} IN ({allowed})", name=name)


class Customer(Base):
    __tablename__ = "customers"
    __table_args__ = (
        CheckConstraint(
            "loyalty_tier IN ({})".format(", ".join(f"'{t}'" for t in LOYALTY_TIERS)),
            name="ck_customers_loyalty_tier",
        ),
        CheckConstraint("loyalty_points >= 0", name="ck_customers_loyalty_points"),
        CheckConstraint("loyalty_spend_vnd >= 0", name="ck_customers_loyalty_spend_vnd"),
    )

    id = Column(Integer, primary_key=True)
    name = Column(String(100), nullable=False)
    email = Column(String(254), nullable=False, unique=True)  # stored normalised (lower case)
    phone = Column(String(16), nullable=False, index=True)  # stored as +84XXXXXXXXX
    created_at = Column(UTCDateTime, nullable=False)
    # Loyalty programme: the tier the shop granted, the points to spend, and the spend of the
    # last 12 months that the next tier is measured by.
    loyalty_tier = Column(String(16), nullable=False, server_default="member")
    loyalty_points = Column(Integer, nullable=False, server_default="0")
    loyalty_spend_vnd = Column(BigInteger, nullable=False, server_default="0")

    orders = relationship("Order", back_populates="customer")


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (_one_of("status", ORDER_STATUSES), _one_of("payment_method", PAYMENT_METHODS))

    id = Column(String(16), primary_key=True)
    customer_id = Column(Integer, ForeignKey("customers.id"), nullable=False, index=True)
    status = Column(String(16), nullable=False)
    placed_at = Column(UTCDateTime, nullable=False)
    updated_at = Column(UTCDateTime, nullable=False)
    payment_method = Column(String(16), nullable=False)
    paid_at = Column(UTCDateTime)  # None until the money is in (COD: on delivery)
    subtotal_vnd = Column(BigInteger, nullable=False)
    shipping_fee_vnd = Column(BigInteger, nullable=False, default=0)
    total_vnd = Column(BigInteger, nullable=False)
    cancelled_at = Column(UTCDateTime)
    cancel_reason = Column(String(500))

    customer = relationship("Customer", back_populates="orders", lazy="joined")
    items = relationship(
        "OrderItem", back_populates="order", order_by="OrderItem.id", cascade="all, delete-orphan"
    )
    shipping_address = relationship(
        "ShippingAddress", back_populates="order", uselist=False, cascade="all, delete-orphan"
    )
    shipment = relationship(
        "Shipment", back_populates="order", uselist=False, cascade="all, delete-orphan"
    )
    invoice = relationship(
        "Invoice", back_populates="order", uselist=False, cascade="all, delete-orphan"
    )
    refund = relationship("Refund", back_populates="order", uselist=False, cascade="all")
    return_request = relationship(
        "ReturnRequest", back_populates="order", uselist=False, cascade="all"
    )
    history = relationship(
        "OrderHistory", back_populates="order", order_by="OrderHistory.id", cascade="all"
    )


class OrderItem(Base):
    __tablename__ = "order_items"
    __table_args__ = (CheckConstraint("quantity > 0", name="ck_order_items_quantity"),)

    id = Column(Integer, primary_key=True)
    order_id = Column(String(16), ForeignKey("orders.id"), nullable=False, index=True)
    sku = Column(String(32), nullable=False)
    name = Column(String(200), nullable=False)
    quantity = Column(Integer, nullable=False)
    unit_price_vnd = Column(BigInteger, nullable=False)

    order = relationship("Order", back_populates="items")


class ShippingAddress(Base):
    """The two-level form (caredesk_rules/addresses.py): street, ward or commune, province.
    `line1` is longer than the API accepts: revision 0004 kept an old row's district there."""

    __tablename__ = "shipping_addresses"

    id = Column(Integer, primary_key=True)
    order_id = Column(String(16), ForeignKey("orders.id"), nullable=False, unique=True)
    recipient = Column(String(100), nullable=False)
    phone = Column(String(16), nullable=False)
    line1 = Column(String(300), nullable=False)  # house number and street
    ward = Column(String(100), nullable=False)  # phường, xã or đặc khu
    province = Column(String(100), nullable=False)  # one of caredesk_rules.provinces.PROVINCES
    updated_at = Column(UTCDateTime, nullable=False)

    order = relationship("Order", back_populates="shipping_address")


class Shipment(Base):
    __tablename__ = "shipments"
    __table_args__ = (_one_of("status", SHIPMENT_STATUSES),)

    id = Column(Integer, primary_key=True)
    order_id = Column(String(16), ForeignKey("orders.id"), nullable=False, unique=True)
    carrier = Column(String(32), nullable=False)
    tracking_number = Column(String(40), nullable=False, unique=True)
    status = Column(String(24), nullable=False)
    expected_delivery = Column(Date)
    shipped_at = Column(UTCDateTime)
    delivered_at = Column(UTCDateTime)

    order = relationship("Order", back_populates="shipment")
    events = relationship(
        "TrackingEvent",
        back_populates="shipment",
        order_by="TrackingEvent.at",
        cascade="all, delete-orphan",
    )


class TrackingEvent(Base):
    __tablename__ = "tracking_events"

    id = Column(Integer, primary_key=True)
    shipment_id = Column(Integer, ForeignKey("shipments.id"), nullable=False, index=True)
    at = Column(UTCDateTime, nullable=False)
    location = Column(String(200), nullable=False)
    description_en = Column(String(300), nullable=False)
    description_vi = Column(String(300), nullable=False)

    shipment = relationship("Shipment", back_populates="events")


class Invoice(Base):
    __tablename__ = "invoices"

    id = Column(Integer, primary_key=True)
    order_id = Column(String(16), ForeignKey("orders.id"), nullable=False, unique=True)
    invoice_number = Column(String(32), nullable=False, unique=True)
    issued_at = Column(UTCDateTime, nullable=False)
    total_vnd = Column(BigInteger, nullable=False)
    vat_vnd = Column(BigInteger, nullable=False)
    # The capability behind the public invoice link: random, unique, never derived from ids.
    token = Column(String(64), nullable=False, unique=True)

    order = relationship("Order", back_populates="invoice")


class Refund(Base):
    __tablename__ = "refunds"
    __table_args__ = (
        _one_of("status", REFUND_STATUSES),
        # One refund per order: the database itself stops a double refund under races.
        UniqueConstraint("order_id", name="uq_refunds_order_id"),
    )

    id = Column(Integer, primary_key=True)
    order_id = Column(String(16), ForeignKey("orders.id"), nullable=False)
    status = Column(String(16), nullable=False)
    amount_vnd = Column(BigInteger, nullable=False)
    method = Column(String(16), nullable=False)
    reason = Column(String(16), nullable=False)  # cancellation | return
    requested_at = Column(UTCDateTime, nullable=False)
    expected_by = Column(Date, nullable=False)
    refunded_at = Column(UTCDateTime)

    order = relationship("Order", back_populates="refund")

    @property
    def public_id(self) -> str:
        return f"RFD-{self.id:06d}"


class ReturnRequest(Base):
    __tablename__ = "return_requests"
    __table_args__ = (
        _one_of("status", RETURN_STATUSES),
        UniqueConstraint("order_id", name="uq_return_requests_order_id"),
    )

    id = Column(Integer, primary_key=True)
    order_id = Column(String(16), ForeignKey("orders.id"), nullable=False)
    status = Column(String(16), nullable=False)
    reason = Column(String(500), nullable=False)
    created_at = Column(UTCDateTime, nullable=False)
    refund_id = Column(Integer, ForeignKey("refunds.id"))

    order = relationship("Order", back_populates="return_request")
    refund = relationship("Refund")
    items = relationship(
        "ReturnItem", back_populates="return_request", order_by="ReturnItem.id", cascade="all"
    )

    @property
    def public_id(self) -> str:
        return f"RET-{self.id:06d}"


class ReturnItem(Base):
    __tablename__ = "return_items"
    __table_args__ = (CheckConstraint("quantity > 0", name="ck_return_items_quantity"),)

    id = Column(Integer, primary_key=True)
    return_request_id = Column(
        Integer, ForeignKey("return_requests.id"), nullable=False, index=True
    )
    sku = Column(String(32), nullable=False)
    name = Column(String(200), nullable=False)
    quantity = Column(Integer, nullable=False)
    unit_price_vnd = Column(BigInteger, nullable=False)

    return_request = relationship("ReturnRequest", back_populates="items")


class OrderHistory(Base):
    """Every event an order went through, as reported: the customer and the agent read it, and
    each one is published to the order's subscribers (order_events_outbox)."""

    __tablename__ = "order_history"
    __table_args__ = (
        _one_of("type", ORDER_EVENT_TYPES, "order_history"),
        _one_of("source", ORDER_EVENT_SOURCES, "order_history"),
        # The sender's own id of the event: a retried delivery finds the event it already sent.
        UniqueConstraint("order_id", "event_id", name="uq_order_history_order_id_event_id"),
    )

    id = Column(Integer, primary_key=True)
    order_id = Column(String(16), ForeignKey("orders.id"), nullable=False, index=True)
    event_id = Column(String(100))  # the sender's idempotency key; None when it gave none
    type = Column(String(24), nullable=False)
    status_before = Column(String(16), nullable=False)
    status_after = Column(String(16), nullable=False)
    note = Column(String(500))
    expected_delivery = Column(Date)
    carrier = Column(String(32))
    tracking_number = Column(String(40))
    source = Column(String(16), nullable=False)
    created_at = Column(UTCDateTime, nullable=False)

    order = relationship("Order", back_populates="history")


class OrderSubscription(Base):
    """A conversation that asked to hear about an order's events. Ending one keeps the row
    (`ended_at`): subscribing again starts it anew, and opt-outs can be counted."""

    __tablename__ = "order_subscriptions"
    __table_args__ = (
        _one_of("channel", SUBSCRIPTION_CHANNELS, "order_subscriptions"),
        _one_of("language", ("en", "vi"), "order_subscriptions"),
        _one_of("proof", SUBSCRIPTION_PROOFS, "order_subscriptions"),
        UniqueConstraint(
            "order_id", "conversation_id", name="uq_order_subscriptions_order_id_conversation_id"
        ),
        Index("ix_order_subscriptions_conversation_id", "conversation_id"),
    )

    id = Column(Integer, primary_key=True)
    order_id = Column(String(16), ForeignKey("orders.id"), nullable=False)
    conversation_id = Column(String(200), nullable=False)  # Rasa's sender id
    channel = Column(String(16), nullable=False)
    language = Column(String(2), nullable=False)
    proof = Column(String(16), nullable=False)  # how the conversation proved the order is theirs
    created_at = Column(UTCDateTime, nullable=False)
    updated_at = Column(UTCDateTime, nullable=False)
    ended_at = Column(UTCDateTime)  # unsubscribed


class OrderUpdate(Base):
    """One event for one subscribed conversation: the order events' transactional outbox,
    written with the event (services/order_outbox.py), read by the delivery worker."""

    __tablename__ = "order_events_outbox"
    __table_args__ = (
        _one_of("state", UPDATE_STATES, "order_events_outbox"),
        UniqueConstraint(
            "history_id",
            "subscription_id",
            name="uq_order_events_outbox_history_id_subscription_id",
        ),
        UniqueConstraint("delivery_key", name="uq_order_events_outbox_delivery_key"),
        Index("ix_order_events_outbox_due", "state", "next_attempt_at"),
        Index("ix_order_events_outbox_conversation_id", "conversation_id", "id"),
    )

    id = Column(Integer, primary_key=True)
    history_id = Column(Integer, ForeignKey("order_history.id"), nullable=False)
    subscription_id = Column(Integer, ForeignKey("order_subscriptions.id"), nullable=False)
    # Copied from the subscription when the event happened: where and in which language.
    conversation_id = Column(String(200), nullable=False)
    channel = Column(String(16), nullable=False)
    language = Column(String(2), nullable=False)
    payload = Column(JSON, nullable=False)  # the event as the customer is told it
    delivery_key = Column(String(32), nullable=False)  # the idempotency key downstream
    state = Column(String(16), nullable=False)
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(UTCDateTime, nullable=False)
    lease_until = Column(UTCDateTime)  # a worker holds it until then
    last_error = Column(String(300))
    created_at = Column(UTCDateTime, nullable=False)
    updated_at = Column(UTCDateTime, nullable=False)
