"""The back office, the action server and the NLU accept exactly the same order and ticket ids.

Each process is asked through its own door (the back office's API models and path parameters,
the action server's form validation and order client, the entity extractor on a message), and
each checks with the one definition in caredesk_rules.ids, not with a copy.
"""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError
from rasa_sdk.executor import CollectingDispatcher

import actions.clients.orders
import backoffice.api.deps
import backoffice.api.helpdesk_deps
import backoffice.schemas.helpdesk
import backoffice.schemas.orders
from actions.clients.orders import InvalidRequest, normalise_order_id
from actions.orders import ValidateOrderVerificationForm
from actions.tickets import ValidateTicketStatusForm
from backoffice.api.deps import OrderIdDep
from backoffice.api.helpdesk_deps import TicketIdDep
from backoffice.schemas.orders import VerifyRequest
from caredesk_rules import ids
from components.entities import find_entities
from tests.support.trackers import tracker_for

ORDER_CANDIDATES = [f"ORD-{'1' * n}" for n in range(13)] + ["ORD-10001", "ORD-0912345678"]
TICKET_CANDIDATES = [f"TCK-{'1' * n}" for n in range(13)] + ["TCK-000042", "TCK-0000000042"]


def test_every_process_uses_the_shared_definitions() -> None:
    assert backoffice.schemas.orders.ORDER_ID_PATTERN is ids.ORDER_ID_PATTERN
    assert backoffice.schemas.helpdesk.ORDER_ID_PATTERN is ids.ORDER_ID_PATTERN
    assert backoffice.api.deps.ORDER_ID_PATTERN is ids.ORDER_ID_PATTERN
    assert backoffice.api.helpdesk_deps.TICKET_ID_PATTERN is ids.TICKET_ID_PATTERN
    assert actions.clients.orders.canonical_order_id is ids.canonical_order_id


def back_office_app() -> TestClient:
    app = FastAPI()

    @app.get("/orders/{order_id}")
    def order(order_id: OrderIdDep) -> dict[str, str]:
        return {"id": order_id}

    @app.get("/tickets/{ticket_id}")
    def ticket(ticket_id: TicketIdDep) -> dict[str, str]:
        return {"id": ticket_id}

    return TestClient(app)


def back_office_accepts_order_id(client: TestClient, order_id: str) -> bool:
    body = {"order_id": order_id, "contact": "an.nguyen@example.com", "client": "rest:x"}
    try:
        VerifyRequest(**body)
        in_body = True
    except ValidationError:
        in_body = False
    in_path = client.get(f"/orders/{order_id}").status_code == 200
    assert in_body == in_path, order_id
    return in_body


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
    assert back_office_accepts_order_id(back_office_app(), order_id) == expected
    assert action_server_accepts_order_id(order_id) == expected
    assert nlu_finds(order_id, "order_id") == expected


@pytest.mark.parametrize("ticket_id", TICKET_CANDIDATES)
def test_ticket_ids_are_one_rule(ticket_id: str) -> None:
    expected = ids.is_ticket_id(ticket_id)
    assert (back_office_app().get(f"/tickets/{ticket_id}").status_code == 200) == expected
    validated = ValidateTicketStatusForm().validate_ticket_id(
        ticket_id, CollectingDispatcher(), tracker_for("x", "inform"), {}
    )
    assert (validated["ticket_id"] == ticket_id) == expected
    assert nlu_finds(ticket_id, "ticket_id") == expected


def test_the_candidates_cover_both_ends_of_each_range() -> None:
    assert {ids.is_order_id(c) for c in ORDER_CANDIDATES} == {True, False}
    assert {ids.is_ticket_id(c) for c in TICKET_CANDIDATES} == {True, False}
