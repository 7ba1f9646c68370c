"""The back office, the action server and the NLU accept exactly the same order and ticket ids.

Each process is asked through its own door (the action server's form validation and order
client, the entity extractor on a message here; the back office's API models and path
parameters in tests/backoffice/test_shared_rules.py, in its own venv), and each checks with the
one definition in caredesk_rules.ids, not with a copy, on the same candidates
(tests/caredesk_rules/cases.py).
"""

from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

import actions.clients.orders
from actions.clients.orders import InvalidRequest, normalise_order_id
from actions.orders import ValidateOrderVerificationForm
from actions.tickets import ValidateTicketStatusForm
from caredesk_rules import ids
from components.entities import find_entities
from tests.caredesk_rules.cases import ORDER_CANDIDATES, TICKET_CANDIDATES
from tests.support.trackers import tracker_for


def test_the_action_server_uses_the_shared_definition() -> None:
    assert actions.clients.orders.canonical_order_id is ids.canonical_order_id


def action_server_accepts_order_id(order_id: str) -> bool:
    validated = ValidateOrderVerificationForm().validate_order_id(
        order_id, CollectingDispatcher(), tracker_for("x", "inform"), {}
    )
    try:
        sent = normalise_order_id(order_id) == order_id
    except InvalidRequest:
        sent = False
    assert (validated["order_id"] == order_id) == sent, order_id
    return sent


def nlu_finds(text: str, entity: str) -> bool:
    return [(f.entity, f.value) for f in find_entities(text)] == [(entity, text)]


@pytest.mark.parametrize("order_id", ORDER_CANDIDATES)
def test_order_ids_are_one_rule(order_id: str) -> None:
    expected = ids.is_order_id(order_id)
    assert action_server_accepts_order_id(order_id) == expected
    assert nlu_finds(order_id, "order_id") == expected


@pytest.mark.parametrize("ticket_id", TICKET_CANDIDATES)
def test_ticket_ids_are_one_rule(ticket_id: str) -> None:
    expected = ids.is_ticket_id(ticket_id)
    validated = ValidateTicketStatusForm().validate_ticket_id(
        ticket_id, CollectingDispatcher(), tracker_for("x", "inform"), {}
    )
    assert (validated["ticket_id"] == ticket_id) == expected
    assert nlu_finds(ticket_id, "ticket_id") == expected


def test_the_candidates_cover_both_ends_of_each_range() -> None:
    assert {ids.is_order_id(c) for c in ORDER_CANDIDATES} == {True, False}
    assert {ids.is_ticket_id(c) for c in TICKET_CANDIDATES} == {True, False}
