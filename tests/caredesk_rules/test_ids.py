"""What an order id and a ticket id are, for every process (caredesk_rules.ids)."""

from __future__ import annotations

import pytest

from caredesk_rules.ids import (
    canonical_order_id,
    is_order_id,
    is_ticket_id,
    order_id_from_number,
    ticket_id_for,
    ticket_id_from_number,
    ticket_number,
)

# The demo orders of docs/contract.md and the seed stay valid.
DEMO_ORDERS = [f"ORD-{n}" for n in range(10001, 10021)]


@pytest.mark.parametrize("order_id", [*DEMO_ORDERS, "ORD-12345", "ORD-1234567890"])
def test_order_ids(order_id: str) -> None:
    assert is_order_id(order_id)
    assert canonical_order_id(order_id) == order_id


@pytest.mark.parametrize(
    "value",
    [
        "ORD-1",
        "ORD-1234",  # too short: a quantity or a house number, not an order
        "ORD-12345678901",  # longer than the order system's ids
        "ord-10001",  # the canonical form is upper case
        "ORD10001",
        "ORD 10001",
        "ORD-10001/cancel",
        "10001",
        "",
        None,
        10001,
    ],
)
def test_not_order_ids(value: object) -> None:
    assert not is_order_id(value)


@pytest.mark.parametrize(
    "typed", ["ORD-10001", "ord 10001", "ORD10001", "Ord-10001", "  ORD-10001 ", "ord\t10001"]
)
def test_order_ids_as_people_type_them(typed: str) -> None:
    assert canonical_order_id(typed) == "ORD-10001"


@pytest.mark.parametrize(
    "typed", ["ORD-1", "ORD-12345678901", "12345", "../health", "ORD-10001/cancel", "ORD--10001"]
)
def test_typed_non_order_ids(typed: str) -> None:
    assert canonical_order_id(typed) is None


def test_order_numbers_found_in_a_message() -> None:
    assert order_id_from_number("10001") == "ORD-10001"
    assert order_id_from_number("1234") is None
    assert order_id_from_number("12345678901") is None


@pytest.mark.parametrize("ticket_id", ["TCK-000042", "TCK-42", "TCK-1", "TCK-2147483647"])
def test_ticket_ids(ticket_id: str) -> None:
    assert is_ticket_id(ticket_id)
    assert ticket_number(ticket_id) == int(ticket_id[4:])


@pytest.mark.parametrize(
    "value",
    ["TCK-", "TCK-12345678901", "TCK-000000000042", "tck-42", "TCK 42", "TCK-4a", "42", None, 42],
)
def test_not_ticket_ids(value: object) -> None:
    assert not is_ticket_id(value)


def test_padded_and_unpadded_ids_name_one_ticket() -> None:
    assert ticket_number("TCK-42") == ticket_number("TCK-000042") == 42
    assert ticket_number("TCK-0000000042") == 42  # the most padding an id may carry


@pytest.mark.parametrize("ticket_id", ["TCK-0", "TCK-000000", "TCK-2147483648", "TCK-9999999999"])
def test_ids_that_name_no_ticket(ticket_id: str) -> None:
    assert is_ticket_id(ticket_id)  # well-formed: the helpdesk answers "not found", not 422
    assert ticket_number(ticket_id) is None


def test_issued_ticket_ids_are_padded_and_always_valid() -> None:
    assert ticket_id_for(42) == "TCK-000042"
    assert ticket_id_for(1234567) == "TCK-1234567"
    for number in (1, 42, 999_999, 2**31 - 1):
        assert is_ticket_id(ticket_id_for(number))
        assert ticket_number(ticket_id_for(number)) == number


def test_ticket_numbers_found_in_a_message() -> None:
    assert ticket_id_from_number("55") == "TCK-55"
    assert ticket_id_from_number("12345678901") is None
