"""Conversations that follow an order's events (the customer said yes to updates).

Subscribing needs a proof that the conversation's customer owns the order, the same proofs the
order answers need: the contact on the order, checked by the verification guard (failures are
counted and lock as a verification does), or the shop's signed-in customer, whose id (the
account's email) the channel verified from the shop's signed token. The proof is checked before
anything about the order is said; then only an unfinished order (order_states.takes_updates) can
be followed. Subscribing again is a no-op (the channel and language follow the latest request);
unsubscribing ends the subscription and withdraws its updates not sent yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from backoffice.core.errors import ConflictError
from backoffice.core.unit_of_work import writing
from backoffice.core.verification import Attempt, VerificationGuard
from backoffice.orders.models import Order, OrderSubscription
from backoffice.orders.services import order_outbox
from backoffice.orders.services.order_states import takes_updates
from backoffice.orders.services.orders import OrderNotFoundError, OrderService


class NotSubscribableError(ConflictError):
    code = "not_subscribable"
    message = "A delivered or cancelled order has no more updates to follow."


@dataclass(frozen=True)
class Subscriber:
    conversation_id: str  # Rasa's sender id
    channel: str
    language: str


@dataclass(frozen=True)
class Proof:
    """Exactly one of: the contact the customer gave, the signed-in customer's id."""

    contact: str | None = None
    customer_id: str | None = None


class SubscriptionService:
    def __init__(self, orders: OrderService, guard: VerificationGuard) -> None:
        self.orders = orders
        self.guard = guard
        self.session = orders.session

    def subscribe(
        self, order_id: str, subscriber: Subscriber, proof: Proof
    ) -> tuple[OrderSubscription, bool]:
        """(the subscription, whether it started now)."""
        kind = self._prove(order_id, subscriber, proof)
        try:
            return self._subscribe(order_id, subscriber, kind)
        except IntegrityError:
            # A concurrent subscribe of the same conversation won the unique constraint.
            existing = self._existing(order_id, subscriber.conversation_id)
            if existing is None or existing.ended_at is not None:
                raise
            return existing, False

    def unsubscribe(self, conversation_id: str, order_id: str | None = None) -> list[str]:
        """End the conversation's subscriptions (to one order or all); the orders they were to."""
        with writing(self.session):
            ended = list(self._active(conversation_id, order_id, for_update=True))
            now = self.orders.clock()
            for subscription in ended:
                subscription.ended_at = now
                subscription.updated_at = now
            order_outbox.withdraw(self.session, [s.id for s in ended], now)
            return [s.order_id for s in ended]

    def active(self, conversation_id: str) -> Sequence[OrderSubscription]:
        return self._active(conversation_id, None)

    # -- helpers ---------------------------------------------------------------------------

    def _prove(self, order_id: str, subscriber: Subscriber, proof: Proof) -> str:
        if proof.contact is not None:
            contact = proof.contact
            client = f"{subscriber.channel}:{subscriber.conversation_id}"
            self.guard.require(
                Attempt("order", order_id, contact, client),
                lambda: self.orders.verify(order_id, contact),
                OrderNotFoundError(),
            )
            return "contact"
        # The shop vouched for its customer (the account's email): their own orders only.
        if proof.customer_id is None or not self.orders.verify(order_id, proof.customer_id):
            raise OrderNotFoundError()
        return "signed_customer"

    def _subscribe(
        self, order_id: str, subscriber: Subscriber, proof: str
    ) -> tuple[OrderSubscription, bool]:
        with writing(self.session):
            order = self.session.execute(
                select(Order).where(Order.id == order_id).with_for_update(of=Order)
            ).scalar_one()
            if not takes_updates(order.status):
                raise NotSubscribableError(details={"status": order.status})
            now = self.orders.clock()
            subscription = self._existing(order_id, subscriber.conversation_id)
            started = subscription is None or subscription.ended_at is not None
            if subscription is None:
                subscription = OrderSubscription(
                    order_id=order_id, conversation_id=subscriber.conversation_id, created_at=now
                )
                self.session.add(subscription)
            if started:
                subscription.created_at = now
                subscription.ended_at = None
            changed = started or (subscription.channel, subscription.language) != (
                subscriber.channel,
                subscriber.language,
            )
            subscription.channel = subscriber.channel
            subscription.language = subscriber.language
            subscription.proof = proof
            if changed:
                subscription.updated_at = now
            self.session.flush()
            return subscription, started

    def _existing(self, order_id: str, conversation_id: str) -> OrderSubscription | None:
        return self.session.execute(
            select(OrderSubscription).where(
                OrderSubscription.order_id == order_id,
                OrderSubscription.conversation_id == conversation_id,
            )
        ).scalar_one_or_none()

    def _active(
        self, conversation_id: str, order_id: str | None, *, for_update: bool = False
    ) -> Sequence[OrderSubscription]:
        query = select(OrderSubscription).where(
            OrderSubscription.conversation_id == conversation_id,
            OrderSubscription.ended_at.is_(None),
        )
        if order_id is not None:
            query = query.where(OrderSubscription.order_id == order_id)
        if for_update:
            query = query.with_for_update()
        return self.session.execute(query.order_by(OrderSubscription.id)).scalars().all()
