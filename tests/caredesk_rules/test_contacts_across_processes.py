"""The action server checks a customer's contact with the rule the back office applies, and the
NLU hands over the value the back office compares (caredesk_rules.contacts)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from actions.orders import valid_contact
from backoffice.schemas.orders import VerifyRequest
from caredesk_rules.contacts import canonical_contact
from components.entities import find_entities

CONTACTS = [
    "An.Nguyen@Example.com",
    "an.nguyễn@example.com",  # not ASCII: the order system cannot compare it
    "a..b@example.com",
    "0912 345 678",
    "+84 912 345 678",
    "84903111222",
    "0084 912 345 678",
    "0212345678",  # a landline
    "' OR 1=1 --",
]


def back_office_accepts(contact: str) -> bool:
    try:
        VerifyRequest(order_id="ORD-10001", contact=contact, client="rest:x")
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize("contact", CONTACTS)
def test_the_action_server_and_the_back_office_agree(contact: str) -> None:
    canonical = canonical_contact(contact)
    assert valid_contact(contact) == (canonical[1] if canonical else None)
    assert back_office_accepts(contact) == (canonical is not None)


@pytest.mark.parametrize(
    ("message", "value"),
    [
        ("sdt 0912 345 678 nhé", "+84912345678"),
        ("số +84 903 111 222", "+84903111222"),
        ("mail An.Nguyen@Example.com", "an.nguyen@example.com"),
    ],
)
def test_the_nlu_hands_over_the_canonical_value(message: str, value: str) -> None:
    [found] = find_entities(message)
    assert found.value == value
    assert canonical_contact(message[found.start : found.end]) == (found.entity, value)
