"""A customer's own view: their recent orders and their loyalty standing, found by a contact.

The caller (the assistant, with the service key) has already proven the contact: the shop
signed the customer in, or the contact matched one of their orders. An unknown contact has no
orders and no standing; nothing here says whether a contact exists beyond that.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from backoffice.core.errors import NotFoundError
from backoffice.orders.models import LOYALTY_TIERS, Customer, Order
from backoffice.orders.policies import Policies
from caredesk_rules.contacts import canonical_contact

MAX_RECENT_ORDERS = 10


class CustomerNotFoundError(NotFoundError):
    code = "customer_not_found"
    message = "No customer with this contact was found."


@dataclass(frozen=True)
class LoyaltyStanding:
    tier: str
    points: int
    points_value_vnd: int
    year_spend_vnd: int
    next_tier: str | None  # None at the top tier
    next_tier_spend_vnd: int | None  # what is still to spend for it


def loyalty_standing(customer: Customer, policies: Policies) -> LoyaltyStanding:
    """The customer's tier and points, what the points are worth, and how far the next tier is."""
    tier = customer.loyalty_tier
    above = LOYALTY_TIERS[LOYALTY_TIERS.index(tier) + 1 :]
    next_tier = above[0] if above else None
    spend = int(customer.loyalty_spend_vnd)
    to_spend = None
    if next_tier is not None:
        to_spend = max(0, policies.loyalty_tiers[next_tier] - spend)
    return LoyaltyStanding(
        tier=tier,
        points=int(customer.loyalty_points),
        points_value_vnd=int(customer.loyalty_points) * policies.loyalty_point_value_vnd,
        year_spend_vnd=spend,
        next_tier=next_tier,
        next_tier_spend_vnd=to_spend,
    )


class CustomerService:
    def __init__(self, session: Session, policies: Policies) -> None:
        self.session = session
        self.policies = policies

    def find(self, contact: str) -> Customer | None:
        parsed = canonical_contact(contact)
        if parsed is None:
            return None
        kind, value = parsed
        match = Customer.email == value if kind == "email" else Customer.phone == value
        return self.session.execute(
            select(Customer).where(match).order_by(Customer.id).limit(1)
        ).scalar_one_or_none()

    def recent_orders(self, contact: str, limit: int) -> list[Order]:
        """The customer's latest orders, newest first; none for an unknown contact."""
        customer = self.find(contact)
        if customer is None:
            return []
        return list(
            self.session.execute(
                select(Order)
                .where(Order.customer_id == customer.id)
                .order_by(Order.placed_at.desc(), Order.id.desc())
                .limit(min(limit, MAX_RECENT_ORDERS))
                .options(selectinload(Order.items))
            ).scalars()
        )

    def loyalty(self, contact: str) -> LoyaltyStanding:
        customer = self.find(contact)
        if customer is None:
            raise CustomerNotFoundError()
        return loyalty_standing(customer, self.policies)
