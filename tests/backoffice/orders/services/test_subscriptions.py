"""Subscribing a conversation to an order's updates, in-process on a seeded SQLite database: the
two proofs (a contact, counted like a verification; the shop's signed-in customer), unfinished
orders only, idempotent subscribe, unsubscribe from one order or all."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from backoffice.core.models import VerificationFailure
from backoffice.core.verification import VerificationGuard, VerificationLockedError, digest_key
from backoffice.orders.models import OrderSubscription
from backoffice.orders.services.orders import OrderNotFoundError, OrderService
from backoffice.orders.services.subscriptions import (
    NotSubscribableError,
    Proof,
    Subscriber,
    SubscriptionService,
)
from tests.backoffice.orders.services.conftest import SEEDED_AT

OrdersAt = Callable[..., OrderService]
WIDGET = Subscriber("4f0c2a", "socketio", "vi")


def service(orders_at: OrdersAt, minutes: int = 0) -> SubscriptionService:
    orders = orders_at(SEEDED_AT + timedelta(minutes=minutes))
    guard = VerificationGuard(orders.session, digest_key("test"), clock=orders.clock)
    return SubscriptionService(orders, guard)


def failures(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.scalar(select(func.count()).select_from(VerificationFailure)) or 0)


@pytest.mark.parametrize(
    "proof",
    [
        Proof(contact="binh.tran@example.com"),
        Proof(contact="0903 111 222"),
        Proof(customer_id="binh.tran@example.com"),
    ],
)
def test_a_proven_conversation_subscribes_once(orders_at: OrdersAt, proof: Proof) -> None:
    subscription, started = service(orders_at).subscribe("ORD-10002", WIDGET, proof)
    assert started
    assert (subscription.order_id, subscription.channel, subscription.language) == (
        "ORD-10002",
        "socketio",
        "vi",
    )
    assert subscription.proof == ("contact" if proof.contact else "signed_customer")
    again, started = service(orders_at, 5).subscribe("ORD-10002", WIDGET, proof)
    assert (again.id, started, again.created_at) == (subscription.id, False, SEEDED_AT)


def test_subscribing_again_follows_the_latest_language(orders_at: OrdersAt) -> None:
    proof = Proof(contact="binh.tran@example.com")
    service(orders_at).subscribe("ORD-10002", WIDGET, proof)
    english = Subscriber(WIDGET.conversation_id, "socketio", "en")
    subscription, started = service(orders_at, 1).subscribe("ORD-10002", english, proof)
    assert (subscription.language, started) == ("en", False)


def test_a_wrong_contact_is_counted_and_locks_like_a_verification(
    orders_at: OrdersAt, orders_db: Engine
) -> None:
    wrong = Proof(contact="someone@example.com")
    for attempt in range(2):
        with pytest.raises(OrderNotFoundError):
            service(orders_at, attempt).subscribe("ORD-10002", WIDGET, wrong)
    assert failures(orders_db) == 2
    with pytest.raises(VerificationLockedError):
        service(orders_at, 2).subscribe("ORD-10002", WIDGET, wrong)
    # Locked: not even the right contact is checked now.
    with pytest.raises(VerificationLockedError):
        service(orders_at, 3).subscribe("ORD-10002", WIDGET, Proof(contact="binh.tran@example.com"))
    with Session(orders_db) as session:
        assert session.scalar(select(func.count()).select_from(OrderSubscription)) == 0


def test_an_unknown_order_answers_as_a_wrong_contact(orders_at: OrdersAt) -> None:
    with pytest.raises(OrderNotFoundError):
        service(orders_at).subscribe("ORD-99999", WIDGET, Proof(contact="binh.tran@example.com"))


def test_a_signed_in_customer_subscribes_to_their_own_orders_only(
    orders_at: OrdersAt, orders_db: Engine
) -> None:
    with pytest.raises(OrderNotFoundError):
        service(orders_at).subscribe(
            "ORD-10002", WIDGET, Proof(customer_id="an.nguyen@example.com")
        )
    assert failures(orders_db) == 0  # the shop vouched for who they are: not a guess
    _, started = service(orders_at).subscribe(
        "ORD-10001", WIDGET, Proof(customer_id="an.nguyen@example.com")
    )
    assert started


@pytest.mark.parametrize(
    ("order_id", "status"), [("ORD-10003", "delivered"), ("ORD-10004", "cancelled")]
)
def test_a_finished_order_cannot_be_subscribed_after_the_proof(
    orders_at: OrdersAt, order_id: str, status: str
) -> None:
    email = {"ORD-10003": "chi.le@example.com", "ORD-10004": "an.nguyen@example.com"}[order_id]
    with pytest.raises(NotSubscribableError) as refused:
        service(orders_at).subscribe(order_id, WIDGET, Proof(contact=email))
    assert (refused.value.status_code, refused.value.details) == (409, {"status": status})
    # Without the proof the order's status is not revealed.
    with pytest.raises(OrderNotFoundError):
        service(orders_at).subscribe(order_id, WIDGET, Proof(contact="x@example.com"))


def test_unsubscribe_one_order_or_all_and_subscribe_again(orders_at: OrdersAt) -> None:
    an = Proof(customer_id="an.nguyen@example.com")
    service(orders_at).subscribe("ORD-10001", WIDGET, an)
    service(orders_at).subscribe("ORD-10002", WIDGET, Proof(contact="binh.tran@example.com"))
    other = Subscriber("another", "telegram", "en")
    service(orders_at).subscribe("ORD-10001", other, an)

    assert [s.order_id for s in service(orders_at).active(WIDGET.conversation_id)] == [
        "ORD-10001",
        "ORD-10002",
    ]
    assert service(orders_at, 1).unsubscribe(WIDGET.conversation_id, "ORD-10002") == ["ORD-10002"]
    assert service(orders_at, 1).unsubscribe(WIDGET.conversation_id, "ORD-10002") == []
    assert service(orders_at, 2).unsubscribe(WIDGET.conversation_id) == ["ORD-10001"]
    assert service(orders_at).active(WIDGET.conversation_id) == []
    assert [s.order_id for s in service(orders_at).active("another")] == ["ORD-10001"]

    subscription, started = service(orders_at, 3).subscribe("ORD-10001", WIDGET, an)
    assert started and subscription.ended_at is None
    assert subscription.created_at == SEEDED_AT + timedelta(minutes=3)
