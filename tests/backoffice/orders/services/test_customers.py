"""The loyalty standing the order system gives: tier, points' worth and the next tier."""

from __future__ import annotations

import pytest

from backoffice.core.config import DEFAULT_KNOWLEDGE_FILE
from backoffice.orders.models import Customer
from backoffice.orders.policies import load_policies
from backoffice.orders.services.customers import loyalty_standing

POLICIES = load_policies(DEFAULT_KNOWLEDGE_FILE)


def customer(tier: str, points: int, spend: int) -> Customer:
    return Customer(loyalty_tier=tier, loyalty_points=points, loyalty_spend_vnd=spend)


@pytest.mark.parametrize(
    ("tier", "spend", "next_tier", "to_spend"),
    [
        ("member", 0, "silver", 5_000_000),
        ("member", 1_860_000, "silver", 3_140_000),
        ("silver", 7_150_000, "gold", 7_850_000),
        ("gold", 18_400_000, "diamond", 21_600_000),
        ("silver", 16_000_000, "gold", 0),  # earned already, moves up at the next review
        ("diamond", 46_200_000, None, None),
    ],
)
def test_the_way_to_the_next_tier(
    tier: str, spend: int, next_tier: str | None, to_spend: int | None
) -> None:
    standing = loyalty_standing(customer(tier, 10, spend), POLICIES)
    assert (standing.next_tier, standing.next_tier_spend_vnd) == (next_tier, to_spend)
    assert standing.tier == tier and standing.year_spend_vnd == spend


def test_points_are_worth_the_programme_s_value() -> None:
    standing = loyalty_standing(customer("gold", 1240, 18_400_000), POLICIES)
    assert (standing.points, standing.points_value_vnd) == (1240, 124_000)
    assert loyalty_standing(customer("member", 0, 0), POLICIES).points_value_vnd == 0
