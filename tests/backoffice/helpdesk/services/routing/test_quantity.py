"""A number of goods to buy, in the words customers use; other numbers are not quantities."""

from __future__ import annotations

import pytest

from backoffice.helpdesk.services.routing.quantity import bulk_quantity


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("We want to buy 80 monitors for our new branch", 80),
        ("ordering 80 industrial fans for a factory", 80),
        ("a bulk order for 300 laptops", 300),
        ("Cong ty can 35 iPhone cho doi sales", 35),
        ("nv oi mk dat 60 binh giu nhiet", 60),
        ("cần đặt khoảng 150 hộp quà trung thu", 150),
    ],
)
def test_goods_to_buy_are_a_quantity(text: str, count: int) -> None:
    found = bulk_quantity(text, at_least=10)

    assert found is not None and found.count == count


@pytest.mark.parametrize(
    "text",
    [
        "I ordered 2 items",  # below the threshold
        "i need 15 minutes of your time",
        "the shipper has been circling my building for 20 min",  # abbreviated units of time
        "waited for 45 mins, then for 30 secs on hold",
        "app cần 30 giây mới mở được",
        "want to buy 20 million worth of stuff",  # money
        "mua 100k được không",
        "need 30 days to decide",
        "can hoan tien đơn 10321",  # an order number
        "I have 2300 points to redeem",
    ],
)
def test_other_numbers_are_not(text: str) -> None:
    assert bulk_quantity(text, at_least=10) is None
