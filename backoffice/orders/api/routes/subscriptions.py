"""Conversations that follow an order's events (services/subscriptions.py says the rules)."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from backoffice.api.deps import VerificationGuardDep
from backoffice.api.schemas import CLIENT_MAX_LENGTH, ERROR_RESPONSES, ErrorResponse
from backoffice.orders.api.deps import OrderServiceDep
from backoffice.orders.models import OrderSubscription
from backoffice.orders.schemas import (
    SubscriptionIn,
    SubscriptionOut,
    SubscriptionsOut,
    UnsubscribedOut,
)
from backoffice.orders.services.subscriptions import Proof, Subscriber, SubscriptionService
from caredesk_rules.ids import ORDER_ID_MAX_LENGTH, ORDER_ID_PATTERN

router = APIRouter(prefix="/order-subscriptions", tags=["order updates"], responses=ERROR_RESPONSES)
logger = logging.getLogger(__name__)

ConversationQuery = Annotated[
    str, Query(min_length=1, max_length=CLIENT_MAX_LENGTH, description="Rasa's sender id")
]
_SUBSCRIBE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": SubscriptionOut, "description": "Already subscribed"},
    409: {"model": ErrorResponse, "description": "not_subscribable: delivered or cancelled"},
    429: {"model": ErrorResponse, "description": "verification_locked"},
}


def subscription_out(subscription: OrderSubscription) -> SubscriptionOut:
    return SubscriptionOut(
        order_id=subscription.order_id,
        conversation_id=subscription.conversation_id,
        channel=subscription.channel,
        language=subscription.language,
        proof=subscription.proof,
        created_at=subscription.created_at,
    )


@router.post(
    "",
    response_model=SubscriptionOut,
    status_code=201,
    responses=_SUBSCRIBE_RESPONSES,
    summary="Send this conversation the order's updates (idempotent)",
)
def subscribe(
    body: SubscriptionIn,
    response: Response,
    service: OrderServiceDep,
    guard: VerificationGuardDep,
) -> SubscriptionOut:
    subscription, started = SubscriptionService(service, guard).subscribe(
        body.order_id,
        Subscriber(body.conversation_id, body.channel, body.language),
        Proof(contact=body.contact, customer_id=body.customer_id),
    )
    if started:
        logger.info("a %s conversation follows order %s", body.channel, body.order_id)
    else:
        response.status_code = 200
    return subscription_out(subscription)


@router.delete(
    "",
    response_model=UnsubscribedOut,
    summary="Stop the conversation's updates: one order's, or all",
)
def unsubscribe(
    conversation_id: ConversationQuery,
    service: OrderServiceDep,
    guard: VerificationGuardDep,
    order_id: Annotated[
        str | None, Query(pattern=ORDER_ID_PATTERN, max_length=ORDER_ID_MAX_LENGTH)
    ] = None,
) -> UnsubscribedOut:
    ended = SubscriptionService(service, guard).unsubscribe(conversation_id, order_id)
    return UnsubscribedOut(unsubscribed=ended)


@router.get("", response_model=SubscriptionsOut, summary="The orders the conversation follows")
def subscriptions(
    conversation_id: ConversationQuery, service: OrderServiceDep, guard: VerificationGuardDep
) -> SubscriptionsOut:
    active = SubscriptionService(service, guard).active(conversation_id)
    return SubscriptionsOut(subscriptions=[subscription_out(s) for s in active])
