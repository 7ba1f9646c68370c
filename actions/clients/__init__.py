"""One client class per external system; no Rasa imports, so they are testable on their own."""

from actions.clients.orders import (
    Address,
    InvalidRequest,
    Invoice,
    Order,
    OrderItem,
    OrderNotFound,
    OrdersClient,
    OrdersClientError,
    OrderSystemUnavailable,
    Refund,
    ReturnItem,
    ReturnRequest,
    RuleViolation,
    Shipment,
    TrackingEvent,
)

__all__ = [
    "Address",
    "InvalidRequest",
    "Invoice",
    "Order",
    "OrderItem",
    "OrderNotFound",
    "OrderSystemUnavailable",
    "OrdersClient",
    "OrdersClientError",
    "Refund",
    "ReturnItem",
    "ReturnRequest",
    "RuleViolation",
    "Shipment",
    "TrackingEvent",
]
