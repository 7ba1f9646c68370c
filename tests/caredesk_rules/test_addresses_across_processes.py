"""The assistant reads a typed address with the rule the order system stores it by
(caredesk_rules.addresses); the order system's half, on the same addresses (cases.py), is
tests/backoffice/test_shared_rules.py (its own venv)."""

from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.orders import new_address_slot
from caredesk_rules.addresses import parse_address
from caredesk_rules.formatting import address
from tests.caredesk_rules.cases import ADDRESSES


@pytest.mark.parametrize("typed", ADDRESSES)
def test_the_action_server_follows_the_shared_rule(typed: str) -> None:
    parsed = parse_address(typed)
    dispatcher = CollectingDispatcher()
    assert new_address_slot(typed, dispatcher) == address(
        parsed.street, parsed.ward, parsed.province
    )
    assert dispatcher.messages == []
