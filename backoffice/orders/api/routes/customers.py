"""A customer's own orders and loyalty standing, for the assistant (service key; issue 12).

The caller names the customer by a contact it has proven (`X-Customer-Contact`): a shop's
signed-in customer, or the contact that verified one of their orders. Which order a customer
means ("which order?") is then a button, and their points need no order at all.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from backoffice.api.schemas import ERROR_RESPONSES
from backoffice.orders.api.deps import CustomerServiceDep, ProvenContactDep
from backoffice.orders.api.routes.orders import item_out
from backoffice.orders.schemas import LoyaltyOut, OrderSummaryOut, RecentOrdersOut
from backoffice.orders.services.customers import MAX_RECENT_ORDERS

router = APIRouter(prefix="/customers", tags=["customers"], responses=ERROR_RESPONSES)


@router.get("/orders", response_model=RecentOrdersOut, summary="The customer's recent orders")
def recent_orders(
    contact: ProvenContactDep,
    service: CustomerServiceDep,
    limit: Annotated[int, Query(ge=1, le=MAX_RECENT_ORDERS)] = 5,
) -> RecentOrdersOut:
    """Newest first; an unknown contact has none (the same answer as a customer without orders)."""
    return RecentOrdersOut(
        orders=[
            OrderSummaryOut(
                id=order.id,
                status=order.status,
                placed_at=order.placed_at,
                total_vnd=order.total_vnd,
                items=[item_out(i) for i in order.items],
            )
            for order in service.recent_orders(contact, limit)
        ]
    )


@router.get("/loyalty", response_model=LoyaltyOut, summary="The customer's tier and points")
def loyalty(contact: ProvenContactDep, service: CustomerServiceDep) -> LoyaltyOut:
    """404 `customer_not_found` for a contact that is no customer's."""
    standing = service.loyalty(contact)
    return LoyaltyOut(
        tier=standing.tier,
        points=standing.points,
        points_value_vnd=standing.points_value_vnd,
        year_spend_vnd=standing.year_spend_vnd,
        next_tier=standing.next_tier,
        next_tier_spend_vnd=standing.next_tier_spend_vnd,
    )
