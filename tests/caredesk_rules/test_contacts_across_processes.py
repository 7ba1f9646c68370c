"""The action server checks a customer's contact with the rule the back office applies, and the
NLU hands over the value the back office compares (caredesk_rules.contacts). The back office's
half, on the same contacts, is tests/backoffice/test_shared_rules.py (its own venv)."""

from __future__ import annotations

import pytest

from actions.orders import valid_contact
from caredesk_rules.contacts import canonical_contact
from components.entities import find_entities
from tests.caredesk_rules.cases import CONTACTS


@pytest.mark.parametrize("contact", CONTACTS)
def test_the_action_server_follows_the_shared_rule(contact: str) -> None:
    canonical = canonical_contact(contact)
    assert valid_contact(contact) == (canonical[1] if canonical else None)


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
